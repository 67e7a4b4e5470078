/**
 * Before any test: compiles dist/ from the sources as they are, so that the tests that run
 * bin/nanofuse.js exercise the compiled CLI (what `npm install` gives a user) and never a stale one,
 * and the dashboard's bundle in dist/web/ that `serve` hands to the browser tests.
 */
import { buildDist, buildWeb } from "../scripts/build.ts";

export default async function setup(): Promise<void> {
  await buildDist();
  await buildWeb();
}
