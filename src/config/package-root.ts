/**
 * The directory of nanofuse's own package.json: where the bundled migrations, fixtures and demo
 * catalog live. Found by walking up from this module, because the same code runs from src/ (through
 * tsx) and from a bundled chunk in dist/, at different depths.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "migrations"))) return `${dir}/`;
    if (dirname(dir) === dir) throw new Error(`nanofuse's package root was not found above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
