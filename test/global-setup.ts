/**
 * Before any test: compiles dist/ from the sources as they are, so that the tests that run
 * bin/nanofuse.js exercise the compiled CLI (what `npm install` gives a user) and never a stale one.
 */
import { buildDist } from "../scripts/build.ts";

export default async function setup(): Promise<void> {
  await buildDist();
}
