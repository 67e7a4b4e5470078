/**
 * Writes the stored outputs that test/stored-outputs.test.ts compares with. Run it only on code whose
 * results are known good (before a change meant to keep them), and commit what it writes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCase, STORED_CASES, storedDir } from "../test/stored-outputs.ts";

mkdirSync(storedDir, { recursive: true });
for (const c of STORED_CASES) {
  writeFileSync(join(storedDir, c.name), await runCase(c));
  process.stdout.write(`${c.name}\n`);
}
