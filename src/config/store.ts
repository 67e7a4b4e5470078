/**
 * Where the store is: `--store` when given, else `DATABASE_URL`, else the embedded default
 * `./.nanofuse/`. The only place that reads the store's environment variable.
 */
export const DEFAULT_STORE_DIR = ".nanofuse";

export function storeLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env.DATABASE_URL || DEFAULT_STORE_DIR);
}
