/**
 * The dashboard's files, as `npm run build` left them in dist/web/ (scripts/build.ts): read once at
 * start and served from memory, so the page needs no build at run time and nothing from the internet.
 * They are public (they hold no data: every figure comes from /api/ with the user's token); the
 * Content-Security-Policy lets the page load only its own script and style and talk only to this server.
 */
import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { FastifyPluginAsync } from "fastify";
import { NanofuseError } from "../../errors.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async function readAssets(dir: string): Promise<Map<string, Buffer>> {
  const assets = new Map<string, Buffer>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return assets;
  }
  for (const name of names.sort())
    if (TYPES[extname(name)]) assets.set(name, await readFile(join(dir, name)));
  return assets;
}

export const webRoutes: FastifyPluginAsync<{ dir: string }> = async (app, { dir }) => {
  const assets = await readAssets(dir);
  const send = (name: string) => {
    const body = assets.get(name);
    if (!body) throw new NanofuseError("NF_DASHBOARD_NOT_BUILT", `no ${name} in the dashboard's files`);
    return body;
  };
  const headers = (name: string) => ({
    "content-type": TYPES[extname(name)],
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    // The files change only with a new build; a revalidation is cheap and never shows a stale page.
    "cache-control": "no-cache",
  });

  app.get("/", { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(headers("index.html")).send(send("index.html")),
  );
  app.get<{ Params: { name: string } }>(
    "/assets/:name",
    { schema: { hide: true } },
    async (request, reply) => {
      const { name } = request.params;
      if (!assets.has(name)) throw new NanofuseError("NF_NOT_FOUND", `no dashboard file ${name}`);
      return reply.headers(headers(name)).send(send(name));
    },
  );
};
