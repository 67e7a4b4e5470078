/**
 * Store locations as users write them: `postgres://…` or `postgresql://…` for a server, `:memory:`
 * for a throw-away embedded store, anything else a directory for an embedded PGlite store.
 */
import { resolve } from "node:path";
import { NanofuseError } from "../errors.ts";

export type StoreLocation =
  | { kind: "postgres"; url: string }
  | { kind: "pglite"; dir: string }
  | { kind: "pglite"; dir: null };

export function parseStoreLocation(value: string): StoreLocation {
  const text = value.trim();
  if (text === "") throw new NanofuseError("NF_STORE_URL_INVALID", "empty store location");
  if (/^postgres(ql)?:\/\//i.test(text)) {
    try {
      new URL(text);
    } catch {
      throw new NanofuseError("NF_STORE_URL_INVALID", "not a valid postgres:// URL");
    }
    return { kind: "postgres", url: text };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw new NanofuseError(
      "NF_STORE_URL_INVALID",
      `unsupported scheme in ${JSON.stringify(text.split(":")[0])}`,
    );
  if (text === ":memory:") return { kind: "pglite", dir: null };
  return { kind: "pglite", dir: resolve(text) };
}

/** A location safe to print: the password of a URL is masked (style 7). */
export function describeLocation(location: StoreLocation): string {
  if (location.kind === "pglite") return location.dir ?? ":memory:";
  const url = new URL(location.url);
  if (url.password) url.password = "***";
  return url.toString();
}
