/**
 * The one SQL surface both backends provide: parameterised queries ($1, $2 … only: no value is ever
 * spliced into SQL text), a parameterless script (migrations), and a transaction that hands its own
 * handle to the callback (PGlite has one session: a query on the outer handle inside a transaction
 * would wait for the transaction forever).
 *
 * Both drivers are set up so that int8 comes back as a JS number (postgres.js gives a string, PGlite a
 * BigInt); every int8 the store keeps is far below 2^53. Bind jsonb as objects, never as JSON text:
 * postgres.js would encode a string a second time.
 */
import { decodeDeep, encodeDeep } from "./text-escape.ts";

export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  exec(script: string): Promise<void>;
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

/** Wraps a driver's handle so every text value round-trips, NUL included (see text-escape.ts). */
export function escaping(raw: Sql): Sql {
  return {
    async query<T>(text: string, params: readonly unknown[] = []) {
      return decodeDeep(await raw.query(text, encodeDeep(params))) as T[];
    },
    exec: (script) => raw.exec(script),
    transaction: (fn) => raw.transaction((tx) => fn(escaping(tx))),
  };
}

/** Statements of many rows are split so that no parameter array grows without bound. */
export const ROWS_PER_STATEMENT = 5_000;

export function chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
