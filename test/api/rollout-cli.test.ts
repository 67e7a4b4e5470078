/**
 * `nanofuse proposals rollout|promote|rollback` against a listening API on a real store: start a
 * rollout with the judge's policy, show it with the judge's sentence, refuse a stale revision with its
 * code, roll back with a reason.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useBackend } from "../support/store-backends.ts";
import { type ApiFixture, AT, apiFixture } from "./support.ts";

const bin = fileURLToPath(new URL("../../bin/nanofuse.js", import.meta.url));
const backend = useBackend("pglite");
let api: ApiFixture;
let env: Record<string, string>;

beforeEach(async () => {
  api = await apiFixture(await backend.fresh());
  await api.app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = api.app.server.address() as { port: number };
  env = { NANOFUSE_URL: `http://127.0.0.1:${port}`, NANOFUSE_TOKEN: api.tokens.approver };
});
afterEach(async () => {
  await api.app.close();
});

async function run(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)("node", [bin, "proposals", ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("nanofuse proposals rollout, promote and rollback", () => {
  it("starts a rollout, shows it with the judge's verdict, refuses a stale revision and rolls back with a reason", async () => {
    const id = String(api.proposalId);
    await api.store.proposals.transition(api.proposalId, {
      action: "approve",
      expectedRevision: 1,
      actor: "ana",
      at: AT,
    });
    const started = await run([
      "rollout",
      id,
      "--revision",
      "2",
      "--variant",
      "fused",
      "--traffic-share",
      "0.25",
      "--min-sample",
      "20",
      "--policy",
      '{"maxSamplePerVariant":40,"looks":2}',
    ]);
    expect(started).toMatchObject({ code: 0, stdout: `proposal ${id} is rolling_out (revision 3)\n` });
    const shown = await run(["rollout", id]);
    expect(shown.stdout).toMatch(/^rollout \d+: candidate fused at 25% of traffic/m);
    expect(shown.stdout).toMatch(/^ {2}control 0 requests, 0 errors; candidate 0 requests, 0 errors$/m);
    expect(shown.stdout).toMatch(/^judge: keep_collecting — /m);
    const json = JSON.parse((await run(["rollout", id, "--format", "json"])).stdout);
    expect(json.rollout.policy).toEqual({ maxSamplePerVariant: 40, looks: 2, minSamplePerVariant: 20 });
    const stale = await run(["promote", id, "--revision", "2"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("NF_PROPOSAL_VERSION_CONFLICT");
    const noReason = await run(["rollback", id, "--revision", "3"]);
    expect(noReason.code).not.toBe(0);
    const back = await run(["rollback", id, "--revision", "3", "--reason", "not worth it"]);
    expect(back).toMatchObject({ code: 0, stdout: `proposal ${id} is rolled_back (revision 4)\n` });
  }, 120_000);
});
