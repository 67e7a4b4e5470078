/**
 * `npm run build` (and `prepare`, so `npm install` and `npm ci` run it): compiles the CLI and the
 * host's group process into dist/ with esbuild, one ES module per entry plus shared chunks, so that a
 * command loads only its own code and `nanofuse --help` loads almost none. Dependencies stay in
 * node_modules (not bundled). dist/build.json records every source file compiled in, with its size
 * and mtime: bin/nanofuse.js runs dist/ only while all of them are unchanged, and the sources
 * through tsx otherwise, so a checkout being edited never runs stale JavaScript.
 * The dashboard (src/web/) is bundled for the browser into dist/web/ beside it: `serve` reads those
 * files as they are, so there is no build at run time and nothing is fetched from a CDN.
 */
import { copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** What bin/nanofuse.js compares with the sources. */
export interface BuildRecord {
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

export async function buildDist(outdir = join(ROOT, "dist")): Promise<BuildRecord> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: {
      nanofuse: "src/cli/bin.ts",
      "group-process": "src/host/group-process.ts",
      "partition-thread": "src/daemon/partition-thread.ts",
    },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    // Every chunk beside the entries: group-child.ts finds group-process.js next to its own file.
    chunkNames: "[name]-[hash]",
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
  });
  const inputs: BuildRecord["inputs"] = {};
  for (const file of Object.keys(result.metafile.inputs).sort()) {
    const info = await stat(join(ROOT, file));
    inputs[relative(ROOT, join(ROOT, file))] = { size: info.size, mtimeMs: info.mtimeMs };
  }
  const record: BuildRecord = { inputs };
  await writeFile(join(outdir, "build.json"), `${JSON.stringify(record, null, 1)}\n`);
  await writeFile(join(outdir, "meta.json"), JSON.stringify(result.metafile));
  return record;
}

/** Files of the dashboard copied as they are; app.js is the bundle of src/web/main.ts. */
const WEB_STATIC = ["index.html", "style.css"];

/** The dashboard for the browser: one minified ES module (sigma, graphology and the views), no chunks. */
export async function buildWeb(outdir = join(ROOT, "dist", "web")): Promise<{ bytes: number }> {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: "src/web/main.ts" },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: "linked",
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
  });
  for (const file of WEB_STATIC) await copyFile(join(ROOT, "src", "web", file), join(outdir, file));
  const bytes = Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith(".js"))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  return { bytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDist();
  await buildWeb();
}
