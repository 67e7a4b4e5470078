/**
 * A jsonb parameter must be bound as an object or array: a bare string is encoded once more by
 * postgres.js and not at all by PGlite. Columns that take any JSON value keep it boxed as {"v": …}.
 */
import type { JsonValue } from "../store.ts";

export const box = (value: JsonValue | undefined): { v: JsonValue } => ({ v: value ?? null });
export const unbox = (stored: unknown): JsonValue => (stored as { v?: JsonValue } | null)?.v ?? null;
