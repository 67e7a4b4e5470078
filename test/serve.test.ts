/**
 * `nanofuse serve` as a newcomer meets it (the README's `npm start`): on an empty store it replays the
 * bundled recording, prints a proposal, where to look and a token; the terminal client lists and
 * approves through the API; Ctrl-C stops it cleanly. Tokens are made with `nanofuse token`, and a
 * server reachable from other machines is refused while the store has no token.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/nanofuse.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "nanofuse-serve-"));

async function run(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)("node", [bin, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Starts `serve` and resolves with what it printed once its banner is complete. */
function serve(
  args: string[],
): Promise<{ child: ChildProcess; out: string; exited: Promise<number | null> }> {
  const child = spawn("node", [bin, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let out = "";
  let err = "";
  child.stderr?.on("data", (c) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      if (/^stop: /m.test(out)) resolve({ child, out, exited });
    });
    exited.then((code) => reject(new Error(`serve exited with ${code} before it was ready: ${err}`)));
  });
}

describe("nanofuse serve", () => {
  it("is what npm start runs", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(pkg.scripts.start).toBe("node bin/nanofuse.js serve");
  });

  it("shows a proposal on first start, with where to look and a token, serves it to the terminal client, and stops on Ctrl-C", async () => {
    const store = join(dir, "first-start");
    const { child, out, exited } = await serve(["--store", store, "--port", "0", "--otlp-port", "0"]);
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
      const list = await run(["proposals", "list"], env);
      expect(list.stdout).toMatch(/^ {2}1 +demo +v1 +pending_approval +1 /m);
      const approve = await run(
        ["proposals", "approve", "1", "--revision", "1", "--reason", "looks right"],
        env,
      );
      expect(approve).toMatchObject({ code: 0, stdout: "proposal 1 is approved (revision 2)\n" });
      const stale = await run(["proposals", "reject", "1", "--revision", "1", "--reason", "too late"], env);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain("NF_PROPOSAL_VERSION_CONFLICT");
      const show = await run(["proposals", "show", "1"], env);
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
    const refused = await run([
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

    const created = await run(["token", "create", "--role", "approver", "--name", "ci", "--store", store]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^nf_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    const listed = await run(["token", "list", "--store", store, "--format", "json"]);
    const [record] = JSON.parse(listed.stdout);
    expect(record).toMatchObject({ name: "ci", role: "approver", revokedAt: null });
    expect(created.stdout).toContain(record.id);
    expect(listed.stdout).not.toContain(created.stdout.trim().slice(-43));
  }, 120_000);

  it("refuses a bad option before it opens anything, naming the option", async () => {
    const bad = await run(["serve", "--port", "http"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "NF_CONFIG_INVALID: configuration is invalid: --port: expected an integer from 0 to 65535",
    );
    const env = await run(["serve"], { NANOFUSE_OTLP_AUTH: "sometimes" });
    expect(env.stderr).toContain("NANOFUSE_OTLP_AUTH: expected one of none, token");
  });
});
