#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm install` through `prepare`, or `npm run build`) while
// every source file compiled into it is unchanged (dist/build.json), and the TypeScript sources
// through tsx otherwise: a checkout being edited runs what it holds, never stale JavaScript.
import { readFileSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);

function distIsCurrent() {
  let record;
  try {
    record = JSON.parse(readFileSync(new URL("dist/build.json", root), "utf8"));
  } catch {
    return false;
  }
  for (const [file, built] of Object.entries(record.inputs)) {
    let now;
    try {
      now = statSync(new URL(file, root));
    } catch {
      continue; // not shipped (an image with dist/ and without the sources): nothing to be stale against
    }
    if (now.size !== built.size || now.mtimeMs !== built.mtimeMs) return false;
  }
  return true;
}

if (distIsCurrent()) {
  // So that the place an unexpected error names (NF_INTERNAL) is a line of the sources.
  process.setSourceMapsEnabled(true);
  await import("../dist/nanofuse.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/bin.ts");
}
