/**
 * Loads an app module (default export: an App) and checks it. Compiled (dist/), nanofuse runs as
 * JavaScript, so a TypeScript app gets tsx registered first, and only then; from the sources, tsx
 * (or vitest) already compiles every .ts file.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { NanofuseError } from "../errors.ts";
import { RUNNING_SOURCES } from "./compiled.ts";
import type { App } from "./types.ts";

export function checkApp(value: unknown, source: string): App {
  const bad = (detail: string): never => {
    throw new NanofuseError("NF_APP_INVALID", `${source}: ${detail}`, { where: { file: source } });
  };
  if (typeof value !== "object" || value === null) bad("the default export must be an App object");
  const app = value as Partial<App>;
  if (typeof app.name !== "string" || app.name === "") bad("name must be a non-empty string");
  if (typeof app.functions !== "object" || app.functions === null) bad("functions must be an object");
  const units = Object.keys(app.functions as object);
  if (units.length === 0) bad("functions is empty");
  for (const unit of units) {
    if (typeof (app.functions as Record<string, unknown>)[unit] !== "function")
      bad(`functions.${unit} is not a function`);
  }
  if (typeof app.entry !== "string" || !units.includes(app.entry))
    bad(`entry ${JSON.stringify(app.entry)} is not one of the functions`);
  return app as App;
}

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/i;
let typescript: Promise<void> | undefined;

/** Registers tsx's loader once, the first time a TypeScript app is loaded by compiled code. */
function loaderFor(file: string): Promise<void> {
  if (RUNNING_SOURCES || !TYPESCRIPT.test(file)) return Promise.resolve();
  typescript ??= import("tsx/esm/api").then(({ register }) => {
    register();
  });
  return typescript;
}

export async function loadApp(path: string): Promise<App> {
  const file = resolve(path);
  let mod: { default?: unknown };
  try {
    await loaderFor(file);
    mod = await import(pathToFileURL(file).href);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new NanofuseError("NF_APP_INVALID", `${path}: cannot be loaded: ${detail}`, { cause });
  }
  // A module outside an ESM package is compiled to CommonJS by tsx: its default export arrives nested.
  const value = mod.default as { default?: unknown; functions?: unknown } | undefined;
  return checkApp(value && value.functions === undefined && value.default ? value.default : value, path);
}
