/**
 * Two layouts of the host's test app behind one entry point: each request goes to one variant,
 * the share follows --split from a seeded generator, and every span carries its variant.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { replayFiles } from "../pipeline/replay.ts";
import { startSplitHost } from "./split.ts";

const APP = fileURLToPath(new URL("./test-app/app.ts", import.meta.url));
const FUSED = { version: "fused", groups: [{ name: "front", units: ["front", "a", "b", "c"] }] };

describe("two layouts behind one entry point", () => {
  it("sends each request to one variant, about the split's share to the candidate, and tags their spans", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nanofuse-split-"));
    const common = { app: APP, networkDelayMs: 1, networkJitterMs: 0, initMs: 0, onEvent: () => {} };
    const split = await startSplitHost({
      control: { ...common, recordDir: join(dir, "control") },
      candidate: { ...common, manifest: FUSED, recordDir: join(dir, "candidate") },
      split: 0.25,
      seed: 7,
    });
    const served: string[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const answer = await fetch(split.entryUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ n: i }),
        });
        expect(answer.status).toBe(200);
        expect(await answer.json()).toMatchObject({ result: { front: true } });
        served.push(answer.headers.get("x-nanofuse-variant") as string);
      }
      expect((await fetch(split.entryUrl)).status).toBe(405);
    } finally {
      await split.stop();
    }
    const sent = split.sent();
    expect(sent.control + sent.candidate).toBe(40);
    expect(served.filter((v) => v === "candidate").length).toBe(sent.candidate);
    expect(sent.candidate).toBeGreaterThan(2);
    expect(sent.candidate).toBeLessThan(20);
    for (const variant of ["control", "candidate"]) {
      const files = readdirSync(join(dir, variant)).map((f) => join(dir, variant, f));
      const variants = new Set<unknown>();
      const roots: string[] = [];
      await replayFiles(files, (tree) => {
        for (const s of tree.trace.spans) {
          variants.add(s.resource["nanofuse.variant"]);
          if (s.parentSpanId === undefined && s.kind === "server") roots.push(s.spanId);
        }
      });
      expect([...variants]).toEqual([variant]);
      expect(roots).toHaveLength(served.filter((v) => v === variant).length);
    }
  }, 180_000);
});
