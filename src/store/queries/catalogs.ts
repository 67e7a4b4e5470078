/** Catalog snapshots: each distinct catalog stored once, named by the hash of its canonical JSON. */
import { createHash } from "node:crypto";
import type { Sql } from "../sql.ts";
import type { CatalogStore, JsonValue } from "../store.ts";
import { box, unbox } from "./json-box.ts";

/** JSON with object keys sorted, so equal catalogs hash equally whatever their key order. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(",")}}`;
}

export function catalogStore(sql: Sql): CatalogStore {
  return {
    async save(catalog, at) {
      const hash = createHash("sha256").update(canonicalJson(catalog)).digest("hex");
      await sql.query(
        "insert into catalog_snapshots (content_hash, catalog, created_at) values ($1, $2, $3) on conflict do nothing",
        [hash, box(catalog), at],
      );
      return hash;
    },
    async get(hash) {
      const [row] = await sql.query<{ content_hash: string; catalog: unknown; created_at: Date }>(
        "select * from catalog_snapshots where content_hash = $1",
        [hash],
      );
      return row ? { hash: row.content_hash, catalog: unbox(row.catalog), createdAt: row.created_at } : null;
    },
  };
}
