/**
 * The manifest-file applier: writes the layout as the clustering manifest `nanofuse host --manifest`
 * reads (src/host/manifest.ts: `{ version, groups: [{ name, units }] }`, plus a `proposal` block the
 * loader ignores), for deployments whose tooling watches a file or a directory (a config repository,
 * a mounted volume).
 *
 * Atomic, as POSIX rename(2) allows: the manifest is written to a temporary file in the same
 * directory, flushed with fsync, and renamed over the target; then the directory is fsynced so the
 * rename survives a crash. A reader sees the old manifest or the new one, never a partial file, and
 * a failed write leaves the old manifest as it was (the temporary file is removed).
 *
 * Idempotent: when the target already holds exactly these bytes nothing is written (`unchanged`).
 * A `path` that is an existing directory gets `manifest.json` inside it.
 */
import { randomUUID } from "node:crypto";
import { open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  type Applier,
  type ApplyRequest,
  type ApplyResult,
  checkRequest,
  failure,
  reasonOf,
} from "./types.ts";

export interface FileApplierOptions {
  /** The manifest file, or an existing directory to write `manifest.json` in. */
  path: string;
}

export const MANIFEST_FILE_NAME = "manifest.json";

async function targetFile(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() ? join(path, MANIFEST_FILE_NAME) : path;
}

async function fsyncDirectory(directory: string): Promise<void> {
  // Not every platform can open a directory for fsync (Windows); the rename itself is still atomic.
  const handle = await open(directory, "r").catch(() => undefined);
  try {
    await handle?.sync();
  } catch {
    // EINVAL/EPERM from file systems that do not sync directories.
  } finally {
    await handle?.close();
  }
}

/** Writes `content` to `file` through a temporary file in the same directory and a rename. */
export async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temporary, "wx", 0o644);
    try {
      await handle.writeFile(content, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(file));
}

export function manifestDocument(request: ApplyRequest): string {
  const { manifest, proposalId, version, idempotencyKey } = request;
  const document = {
    version: manifest.version,
    groups: manifest.groups,
    proposal: { id: proposalId, version, idempotencyKey },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function fileApplier(options: FileApplierOptions): Applier {
  const { path } = options;
  return {
    kind: "file",
    target: path,
    async apply(request: ApplyRequest): Promise<ApplyResult> {
      const outcome = { applier: "file" as const, target: path, attempts: 0, history: [] };
      const checked = checkRequest(request, outcome);
      if ("failure" in checked) return checked.failure;
      const file = await targetFile(path);
      const done = { ...outcome, target: file, attempts: 1 };
      const content = manifestDocument({ ...request, manifest: checked.manifest });
      try {
        const current = await readFile(file, "utf8").catch(() => undefined);
        if (current === content) return { ok: true, ...done, history: [{ attempt: 1 }], unchanged: true };
        await writeAtomically(file, content);
        return { ok: true, ...done, history: [{ attempt: 1 }] };
      } catch (error) {
        const what = reasonOf(error);
        return failure(
          { ...done, history: [{ attempt: 1, error: what }] },
          "NF_APPLY_WRITE_FAILED",
          `${file}: ${what}`,
        );
      }
    },
  };
}
