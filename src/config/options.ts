/**
 * Options described once and read from three places: a command-line flag, else an environment
 * variable, else a config file, else the default (postgres.js `parseOptions`: the environment is read
 * once, defaults are visible). The same table gives commander its flags and `--help` each option's
 * variable and default, so the help cannot drift from what is read. The result is validated and
 * frozen; a bad value is NF_CONFIG_INVALID naming where it came from.
 */
import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { parse as parseYaml } from "yaml";
import { NanofuseError } from "../errors.ts";

export interface OptionSpec<T> {
  /** The environment variable; the flag is the key in kebab case, the file key the key itself. */
  env: string;
  /** Placeholder in the help, e.g. `<port>`. */
  value: string;
  description: string;
  default: T;
  /** Throws an Error whose message says what was expected. */
  parse: (text: string) => T;
  /** How the default is shown in the help (default: as text). */
  show?: (value: T) => string;
}

// biome-ignore lint/suspicious/noExplicitAny: a schema holds options of different value types
export type Schema = Record<string, OptionSpec<any>>;
export type Resolved<S extends Schema> = { readonly [K in keyof S]: ReturnType<S[K]["parse"]> };

export interface OptionSources {
  /** Flags as commander parsed them (strings, keyed by the schema's keys); undefined when absent. */
  flags: Readonly<Record<string, unknown>>;
  env: Readonly<Record<string, string | undefined>>;
  file?: { name: string; values: Readonly<Record<string, unknown>> };
}

export const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function invalid(where: string, detail: string): never {
  throw new NanofuseError("NF_CONFIG_INVALID", `${where}: ${detail}`);
}

function parseFrom<T>(spec: OptionSpec<T>, text: string, where: string): T {
  try {
    return spec.parse(text);
  } catch (error) {
    return invalid(where, (error as Error).message);
  }
}

/** Resolves every option of the schema; unknown keys in the file are refused, so typos are seen. */
export function resolveOptions<S extends Schema>(schema: S, sources: OptionSources): Resolved<S> {
  const file = sources.file;
  if (file) {
    for (const key of Object.keys(file.values))
      if (!Object.hasOwn(schema, key))
        invalid(`${file.name}: ${key}`, `unknown option (known: ${Object.keys(schema).join(", ")})`);
  }
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, spec] of Object.entries(schema)) {
    const flag = sources.flags[key];
    const env = sources.env[spec.env];
    const fromFile = file && Object.hasOwn(file.values, key) ? file.values[key] : undefined;
    if (flag !== undefined) out[key] = parseFrom(spec, String(flag), flagOf(key));
    else if (env !== undefined && env !== "") out[key] = parseFrom(spec, env, spec.env);
    else if (fromFile !== undefined) {
      if (fromFile !== null && typeof fromFile === "object")
        invalid(`${file?.name}: ${key}`, "expected a single value, not a list or an object");
      out[key] = parseFrom(spec, String(fromFile), `${file?.name}: ${key}`);
    } else out[key] = spec.default;
  }
  return Object.freeze(out) as Resolved<S>;
}

/** A config file as an object of option values: JSON or YAML (JSON is YAML). */
export async function readConfigFile(
  path: string,
): Promise<{ name: string; values: Record<string, unknown> }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    return invalid(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let values: unknown;
  try {
    values = parseYaml(text);
  } catch (error) {
    return invalid(path, `not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  if (values === null || values === undefined) return { name: path, values: {} };
  if (typeof values !== "object" || Array.isArray(values))
    invalid(path, "expected an object of option names and values");
  return { name: path, values: values as Record<string, unknown> };
}

/** Adds one flag per option; the help line names its variable and default. */
export function addSchemaOptions(command: Command, schema: Schema): Command {
  for (const [key, spec] of Object.entries(schema)) {
    const shown = spec.show ? spec.show(spec.default) : String(spec.default);
    command.addOption(
      new Option(`${flagOf(key)} ${spec.value}`, `${spec.description} [${spec.env}; default ${shown}]`),
    );
  }
  return command;
}

// ---------------------------------------------------------------- value parsers

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isSafeInteger(n) || n < min || n > max)
      throw new Error(`expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
    return n;
  };
}

export function oneOf<T extends string>(...choices: T[]): (text: string) => T {
  return (text) => {
    if (!(choices as string[]).includes(text))
      throw new Error(`expected one of ${choices.join(", ")}, got ${JSON.stringify(text)}`);
    return text as T;
  };
}

export function nonEmpty(text: string): string {
  if (text.trim() === "") throw new Error("expected a non-empty value");
  return text.trim();
}

/** An http(s) URL, kept without a trailing slash. */
export function httpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`expected an http:// or https:// URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`expected an http:// or https:// URL, got ${JSON.stringify(text)}`);
  return url.toString().replace(/\/+$/, "");
}
