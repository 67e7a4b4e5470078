/**
 * The unit catalog loader (DESIGN.md "Planning"). One parser reads YAML and JSON (JSON is YAML 1.2).
 * Unknown fields are refused rather than ignored: a typo such as `memoryMB` would otherwise silently
 * fall back to the default and skew every cost the planner computes. Errors name the file and field.
 * Defaults: node20, 256 MB, 0.01 per instance-hour, 600 s keep-alive (analyse's `--keep-alive-s`).
 */
import { parseSafeYaml, readBounded } from "../config/yaml-file.ts";
import { NanofuseError } from "../errors.ts";
import type { Catalog, CatalogConstraints, UnitSpec } from "../model/catalog.ts";

export const DEFAULT_UNIT_SPEC: Readonly<UnitSpec> = Object.freeze({
  runtime: "node20",
  memoryMb: 256,
  baseCostPerHour: 0.01,
  keepAliveSeconds: 600,
  dependencies: [],
});

const TOP_FIELDS = ["defaults", "units", "constraints"];
const UNIT_FIELDS = [
  "runtime",
  "memoryMb",
  "baseCostPerHour",
  "keepAliveSeconds",
  "dependencies",
  "owner",
  "concurrency",
];
const CONSTRAINT_FIELDS = ["neverWith", "pinned", "maxGroupSize", "maxGroupMemoryMb"];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** An empty catalog: every unit gets the defaults. */
export function defaultCatalog(): Catalog {
  return {
    defaults: { ...DEFAULT_UNIT_SPEC, dependencies: [] },
    units: Object.create(null),
    constraints: { neverWith: [], pinned: [] },
  };
}

/**
 * The spec of a unit, the defaults when the catalog does not list it. An own-property test, so that a
 * unit named `constructor` or `__proto__` is never read from Object.prototype.
 */
export function unitSpec(catalog: Catalog, unit: string): UnitSpec {
  return Object.hasOwn(catalog.units, unit) ? catalog.units[unit] : catalog.defaults;
}

/** Validation with the file and the field path in every message. */
class Fields {
  constructor(private readonly source: string) {}

  fail(path: string, detail: string): never {
    throw new NanofuseError("NF_CATALOG_INVALID", `${this.source}${path ? `: ${path}` : ""}: ${detail}`, {
      where: { file: this.source, path: path || undefined },
    });
  }

  object(value: unknown, path: string, allowed: string[]): Json {
    if (value === null || value === undefined) return {};
    if (!isObject(value)) this.fail(path, `expected a mapping, got ${show(value)}`);
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        const hint = closest(key, allowed);
        this.fail(join(path, key), `unknown field${hint ? ` (did you mean ${hint}?)` : ""}`);
      }
    }
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== "string" || value.trim() === "")
      this.fail(path, `expected a non-empty string, got ${show(value)}`);
    return value;
  }

  number(value: unknown, path: string, min: number, inclusive: boolean, integer = false): number {
    const ok =
      typeof value === "number" &&
      Number.isFinite(value) &&
      (inclusive ? value >= min : value > min) &&
      (!integer || Number.isInteger(value));
    if (!ok) {
      const what = `${integer ? "an integer" : "a number"} ${inclusive ? "≥" : ">"} ${min}`;
      this.fail(path, `expected ${what}, got ${show(value)}`);
    }
    return value as number;
  }

  strings(value: unknown, path: string): string[] {
    if (!Array.isArray(value)) this.fail(path, `expected a list of strings, got ${show(value)}`);
    const out = value.map((v, i) => this.string(v, `${path}[${i}]`));
    const dup = out.find((v, i) => out.indexOf(v) !== i);
    if (dup !== undefined) this.fail(path, `${show(dup)} is listed twice`);
    return out;
  }
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function show(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The allowed field a typo most likely meant: same letters ignoring case, or one or two edits away. */
function closest(key: string, allowed: string[]): string | undefined {
  const lower = key.toLowerCase();
  return allowed.find((a) => a.toLowerCase() === lower) ?? allowed.find((a) => editDistance(a, key) <= 2);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function unitSpecOf(f: Fields, raw: unknown, path: string, base: UnitSpec): UnitSpec {
  const o = f.object(raw, path, UNIT_FIELDS);
  const spec: UnitSpec = {
    runtime: o.runtime === undefined ? base.runtime : f.string(o.runtime, `${path}.runtime`),
    memoryMb: o.memoryMb === undefined ? base.memoryMb : f.number(o.memoryMb, `${path}.memoryMb`, 0, false),
    baseCostPerHour:
      o.baseCostPerHour === undefined
        ? base.baseCostPerHour
        : f.number(o.baseCostPerHour, `${path}.baseCostPerHour`, 0, true),
    keepAliveSeconds:
      o.keepAliveSeconds === undefined
        ? base.keepAliveSeconds
        : f.number(o.keepAliveSeconds, `${path}.keepAliveSeconds`, 0, true),
    dependencies:
      o.dependencies === undefined
        ? [...base.dependencies]
        : f.strings(o.dependencies, `${path}.dependencies`),
  };
  const owner = o.owner === undefined ? base.owner : f.string(o.owner, `${path}.owner`);
  if (owner !== undefined) spec.owner = owner;
  const concurrency =
    o.concurrency === undefined
      ? base.concurrency
      : f.number(o.concurrency, `${path}.concurrency`, 1, true, true);
  if (concurrency !== undefined) spec.concurrency = concurrency;
  return spec;
}

function constraintsOf(f: Fields, raw: unknown): CatalogConstraints {
  const o = f.object(raw, "constraints", CONSTRAINT_FIELDS);
  const neverWith: [string, string][] = [];
  if (o.neverWith !== undefined) {
    if (!Array.isArray(o.neverWith))
      f.fail("constraints.neverWith", `expected a list of unit pairs, got ${show(o.neverWith)}`);
    o.neverWith.forEach((pair, i) => {
      const path = `constraints.neverWith[${i}]`;
      const units = f.strings(pair, path);
      if (units.length !== 2) f.fail(path, `expected a pair of two different units, got ${show(pair)}`);
      neverWith.push([units[0], units[1]]);
    });
  }
  const out: CatalogConstraints = {
    neverWith,
    pinned: o.pinned === undefined ? [] : f.strings(o.pinned, "constraints.pinned"),
  };
  if (o.maxGroupSize !== undefined)
    out.maxGroupSize = f.number(o.maxGroupSize, "constraints.maxGroupSize", 1, true, true);
  if (o.maxGroupMemoryMb !== undefined)
    out.maxGroupMemoryMb = f.number(o.maxGroupMemoryMb, "constraints.maxGroupMemoryMb", 0, false);
  return out;
}

/** Parses and validates a catalog; `source` names it in error messages (usually the file path). */
export function parseCatalog(text: string, source: string): Catalog {
  const f = new Fields(source);
  const top = f.object(
    parseSafeYaml(text, (path, detail) => f.fail(path, detail)),
    "",
    TOP_FIELDS,
  );
  const defaults = unitSpecOf(f, top.defaults, "defaults", DEFAULT_UNIT_SPEC);
  const unitsRaw = top.units === undefined || top.units === null ? {} : top.units;
  if (!isObject(unitsRaw)) f.fail("units", `expected a mapping of unit names, got ${show(unitsRaw)}`);
  // Null prototype: a unit named `__proto__` is an entry, not the object's prototype.
  const units: Record<string, UnitSpec> = Object.create(null);
  for (const [name, raw] of Object.entries(unitsRaw)) {
    if (name.trim() === "") f.fail("units", "a unit name is empty");
    units[name] = unitSpecOf(f, raw, `units.${name}`, defaults);
  }
  const constraints = constraintsOf(f, top.constraints);
  // A limit below every unit's own memory allows no group of two: the catalog forbids fusion
  // altogether, which is never what it means (a typo of unit, MB for GB).
  const smallest = Object.values(units).reduce((min, u) => Math.min(min, u.memoryMb), defaults.memoryMb);
  if (constraints.maxGroupMemoryMb !== undefined && constraints.maxGroupMemoryMb < smallest)
    f.fail(
      "constraints.maxGroupMemoryMb",
      `${constraints.maxGroupMemoryMb} MB is below the memory of every unit (the smallest needs ${smallest} MB): no two units could ever share a group`,
    );
  return { defaults, units, constraints };
}

export async function loadCatalog(path: string): Promise<Catalog> {
  return parseCatalog(await readBounded(path, "NF_CATALOG_INVALID"), path);
}
