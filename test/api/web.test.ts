/**
 * The dashboard's files as `serve` hands them out: the page at /, the bundle under /assets/, public,
 * with a Content-Security-Policy that keeps the page to its own files and this server; anything else
 * is 404, and a server whose dashboard was never built says so with its code.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { installErrorHandling, writeJsonError } from "../../src/api/errors.ts";
import { webRoutes } from "../../src/api/routes/web.ts";

async function appOver(dir: string) {
  const app = Fastify({ logger: false });
  installErrorHandling(app, writeJsonError);
  await app.register(webRoutes, { dir });
  return app;
}

describe("the dashboard's files", () => {
  it("serves the page and its assets with their types and a strict CSP, and nothing beside them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nanofuse-web-files-"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>nanofuse</title>");
    writeFileSync(join(dir, "app.js"), "export {};");
    writeFileSync(join(dir, "style.css"), "body{}");
    writeFileSync(join(dir, "secret.env"), "TOKEN=x");
    const app = await appOver(dir);
    const page = await app.inject({ url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(page.body).toContain("<title>nanofuse</title>");
    const script = await app.inject({ url: "/assets/app.js" });
    expect([script.statusCode, script.headers["content-type"]]).toEqual([
      200,
      "text/javascript; charset=utf-8",
    ]);
    expect((await app.inject({ url: "/assets/secret.env" })).json().error.code).toBe("NF_NOT_FOUND");
    expect((await app.inject({ url: "/assets/..%2Fsecret.env" })).statusCode).toBe(404);
    await app.close();
  });

  it("answers 503 NF_DASHBOARD_NOT_BUILT when there is no build", async () => {
    const app = await appOver(join(tmpdir(), "nanofuse-no-such-build"));
    const page = await app.inject({ url: "/" });
    expect(page.statusCode).toBe(503);
    expect(page.json().error.code).toBe("NF_DASHBOARD_NOT_BUILT");
    await app.close();
  });
});
