/**
 * Names from input (units, operations, sources, scopes) are interned: rows refer to them by a small id,
 * which keeps aggregate rows compact and keeps long names out of indexes (the key is their sha256).
 */
import { createHash } from "node:crypto";
import { chunks, type Sql } from "../sql.ts";

export const nameKey = (name: string): string => createHash("sha256").update(name).digest("hex");

/** Ids of the given names, creating the missing ones (inside the caller's transaction). */
export async function internNames(tx: Sql, names: Iterable<string>): Promise<Map<string, number>> {
  const unique = [...new Set(names)];
  const ids = new Map<string, number>();
  for (const part of chunks(unique)) {
    const keys = part.map(nameKey);
    await tx.query(
      "insert into names (key, name) select * from unnest($1::text[], $2::text[]) on conflict (key) do nothing",
      [keys, part],
    );
    const rows = await tx.query<{ id: number; name: string }>(
      "select id, name from names where key = any($1::text[])",
      [keys],
    );
    for (const row of rows) ids.set(row.name, row.id);
  }
  return ids;
}

export async function internName(tx: Sql, name: string): Promise<number> {
  return (await internNames(tx, [name])).get(name) as number;
}

/** The id of a name if it was ever stored, without creating it. */
export async function findName(sql: Sql, name: string): Promise<number | null> {
  const [row] = await sql.query<{ id: number }>("select id from names where key = $1", [nameKey(name)]);
  return row?.id ?? null;
}
