/**
 * Reading a catalog or a manifest (YAML, or JSON, which is YAML 1.2) safely and fast (issues 17.14,
 * 8.5, 17.9), with js-yaml:
 * - at most MAX_YAML_BYTES (8 MiB; JSON and YAML alike, one parser reads both): far above any real
 *   catalog (the shop's is 3 KB, a 44,000-unit one 3.6 MB), and it bounds parse time and memory;
 * - a document whose aliases expand beyond twice its size ("billion laughs") is refused;
 * - no tags beyond the core schema's (str, int, float, bool, null, seq, map): a custom tag means the
 *   file expects a loader that builds objects, which these files never need;
 * - a key repeated in one mapping is refused.
 * Not the `yaml` package: its duplicate-key check (`uniqueKeys`) compares each key with every earlier
 * one, quadratic in a mapping's size (a 44,000-unit catalog took 28 s), and without it its document
 * model still took ~6 s for that catalog on a loaded machine where js-yaml takes ~0.6 s.
 * Each refusal throws the caller's code (NF_CATALOG_INVALID, NF_MANIFEST_INVALID) with a sentence.
 */
import { open } from "node:fs/promises";
import { CORE_SCHEMA, load, YAMLException } from "js-yaml";
import { type ErrorCode, NanofuseError } from "../errors.ts";

export const MAX_YAML_BYTES = 8 * 1024 * 1024;

type Refuse = (detail: string) => never;

/** Reads at most MAX_YAML_BYTES + 1 bytes, so an endless or huge file is refused without reading it all. */
export async function readBounded(path: string, code: ErrorCode): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (cause) {
    throw new NanofuseError("NF_FILE_UNREADABLE", path, { where: { file: path }, cause });
  }
  try {
    const buffer = Buffer.alloc(MAX_YAML_BYTES + 1);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, size, buffer.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > MAX_YAML_BYTES)
        throw new NanofuseError(
          "NF_FILE_TOO_LARGE",
          `${path}: over ${MAX_YAML_BYTES / 1024 / 1024} MiB, the limit of a ${code === "NF_CATALOG_INVALID" ? "catalog" : "manifest"}`,
          { where: { file: path } },
        );
    }
    return buffer.toString("utf8", 0, size);
  } catch (cause) {
    if (cause instanceof NanofuseError) throw cause;
    throw new NanofuseError("NF_FILE_UNREADABLE", path, { where: { file: path }, cause });
  } finally {
    await handle.close();
  }
}

/**
 * Refuses a value whose aliases expand to more nodes than the text could hold without them: js-yaml
 * keeps an alias as a reference to the anchored value, so a "billion laughs" document parses small,
 * but every walk over it (validation, JSON.stringify) would expand it. Without aliases a document of
 * n characters holds at most n nodes; aliases may add as many again.
 */
function refuseAliasBomb(value: unknown, limit: number, refuse: Refuse): void {
  let nodes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (++nodes > limit)
      refuse(
        `its aliases expand to more than ${limit} values: refused, as a document that expands without limit would be`,
      );
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) stack.push(x);
  }
}

/** Parses YAML or JSON into plain data, refusing what is unsafe; `fail(path, detail)` throws the caller's error. */
export function parseSafeYaml(text: string, fail: (path: string, detail: string) => never): unknown {
  if (text.length > MAX_YAML_BYTES) fail("", `over ${MAX_YAML_BYTES / 1024 / 1024} MiB`);
  let value: unknown;
  try {
    // The core schema: plain values only, so any tag beyond str, int, float, bool, null, seq and map
    // (!!js/function, !!binary, !custom) is an error, as is a key repeated in one mapping.
    value = load(text, { schema: CORE_SCHEMA });
  } catch (cause) {
    if (!(cause instanceof YAMLException)) throw cause;
    const reason = cause.reason.includes("unknown tag")
      ? `${cause.reason}: only plain YAML values are allowed`
      : cause.reason;
    fail(`line ${cause.mark.line + 1}`, reason);
  }
  refuseAliasBomb(value, 2 * text.length + 1000, (detail) => fail("", detail));
  return value;
}
