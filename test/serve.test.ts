/**
 * `nanofuse serve` as a newcomer meets it (the README's `npm start`): on an empty store it replays the
 * bundled recording, prints a proposal, where to look and a token; the terminal client lists and
 * approves through the API; Ctrl-C stops it cleanly. Tokens are made with `nanofuse token`, and a
 * server reachable from other machines is refused while the store has no token.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, startServe } from "./support/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-serve-"));

describe("nanofuse serve", () => {
  it("is what npm start runs", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg.scripts.start).toBe("node bin/nanofuse.js serve");
  });

  it("shows a proposal on first start, with where to look and a token, serves it to the terminal client, and stops on Ctrl-C", async () => {
    const store = join(dir, "first-start");
    const { child, out, exited } = await startServe(["--store", store, "--port", "0", "--otlp-port", "0"]);
    try {
      expect(out).toMatch(/^first start: replayed the bundled recording \(2400 traces/m);
      expect(out).toMatch(
        /^proposal 1 \(scope demo, version 1, pending_approval, revision 1\): \d+ groups instead of 14$/m,
      );
      expect(out).toMatch(/^ {2}Merging .+ with .+ turns \d+ recorded calls into in-process calls/m);
      const api = /API {8}(http:\/\/127\.0\.0\.1:\d+)\/api\//.exec(out)?.[1] as string;
      expect(out).toMatch(/OTLP\/HTTP {2}http:\/\/127\.0\.0\.1:\d+\/v1\/traces/);
      const token = /export NANOFUSE_TOKEN=(nf_\S+)/.exec(out)?.[1] as string;
      expect(token).toBeDefined();

      expect((await fetch(`${api}/healthz`)).status).toBe(200);
      expect((await fetch(`${api}/api/proposals`)).status).toBe(401);
      const env = { NANOFUSE_URL: api, NANOFUSE_TOKEN: token };
      const list = await runCli(["proposals", "list"], env);
      expect(list.stdout).toMatch(/^ {2}1 +demo +v1 +pending_approval +1 /m);
      const approve = await runCli(
        ["proposals", "approve", "1", "--revision", "1", "--reason", "looks right"],
        env,
      );
      expect(approve).toMatchObject({ code: 0, stdout: "proposal 1 is approved (revision 2)\n" });
      const stale = await runCli(
        ["proposals", "reject", "1", "--revision", "1", "--reason", "too late"],
        env,
      );
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain("NF_PROPOSAL_VERSION_CONFLICT");
      const show = await runCli(["proposals", "show", "1"], env);
      expect(show.stdout).toMatch(
        /approve +pending_approval → approved +first start \(token [0-9a-f]{16}\) +looks right/,
      );
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
  }, 180_000);

  it("refuses to listen beyond loopback while the store has no token; `token create` prints a new token alone", async () => {
    const store = join(dir, "exposed");
    const refused = await runCli([
      "serve",
      "--store",
      store,
      "--host",
      "0.0.0.0",
      "--port",
      "0",
      "--otlp-port",
      "0",
      "--seed",
      "none",
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^nanofuse: NF_LISTEN_REFUSED: refusing to listen: 0\.0\.0\.0 is reachable from other machines/m,
    );

    const created = await runCli(["token", "create", "--role", "approver", "--name", "ci", "--store", store]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^nf_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    const listed = await runCli(["token", "list", "--store", store, "--format", "json"]);
    const [record] = JSON.parse(listed.stdout);
    expect(record).toMatchObject({ name: "ci", role: "approver", revokedAt: null });
    expect(created.stdout).toContain(record.id);
    expect(listed.stdout).not.toContain(created.stdout.trim().slice(-43));
  }, 120_000);

  it("refuses a bad option before it opens anything, naming the option", async () => {
    const bad = await runCli(["serve", "--port", "http"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "NF_CONFIG_INVALID: configuration is invalid: --port: expected an integer from 0 to 65535",
    );
    const env = await runCli(["serve"], { NANOFUSE_OTLP_AUTH: "sometimes" });
    expect(env.stderr).toContain("NANOFUSE_OTLP_AUTH: expected one of none, token");
  });
});
