/**
 * Applies a large manifest to the file named on the command line and prints the result as JSON: run
 * by file.test.ts under `ulimit -f`, so that the write really fails part-way (EFBIG) in a process of
 * its own, as on a full disk.
 */
import { fileApplier } from "../file.ts";

const [path, groups] = process.argv.slice(2);
const manifest = {
  version: "large",
  groups: Array.from({ length: Number(groups) }, (_, i) => ({ name: `group-${i}`, units: [`unit-${i}`] })),
};
const result = await fileApplier({ path }).apply({
  proposalId: "p-large",
  version: 2,
  manifest,
  idempotencyKey: "k-large",
});
process.stdout.write(JSON.stringify(result));
