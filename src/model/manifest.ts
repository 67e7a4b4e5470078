/**
 * The clustering manifest: the contract between plan (which writes it), host (which runs it), and the
 * store, appliers and API (which keep and hand it on). It lives in the model so that none of them
 * imports another for it.
 *
 * One group-name rule, shared by everything that names or checks a group: a name becomes the group's
 * service.name and a file name (`<group>.otlp.jsonl`), so it holds no path separator, no space and
 * nothing a shell or a file system treats specially.
 */

/** The clustering manifest: the format a proposal is applied as, and what `nanofuse host` runs. */
export interface ClusteringManifest {
  version: string | number;
  groups: { name: string; units: string[] }[];
}

/** A group name: a letter or digit, then up to 62 letters, digits, '.', '_' or '-'. */
export const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The rule in words, for error messages and the README. */
export const GROUP_NAME_RULE = "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or a digit";

export const isGroupName = (name: string): boolean => GROUP_NAME.test(name);

/** What joins unit names in a fused group's name: allowed by GROUP_NAME, and reads as "and". */
const JOIN = ".";

/** A unit name made part of a group name: other characters become '_', never more than `max` long. */
function safe(unit: string, max: number): string {
  return unit.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, max) || "unit";
}

/**
 * The name a group of these units is given: the unit itself when alone, up to three units joined by
 * '.', else the first unit and how many more (`checkout.5-more`). Always a valid group name.
 */
export function groupNameOf(units: readonly string[]): string {
  const sorted = [...units].sort();
  const base =
    sorted.length <= 3
      ? sorted.map((u) => safe(u, 56)).join(JOIN)
      : `${safe(sorted[0], 48)}${JOIN}${sorted.length - 1}-more`;
  // Leading '.', '_' or '-' is refused (hidden files, options): prefix a letter. Cut to leave room for "-NN".
  return base.replace(/^(?=[._-])/, "u").slice(0, 56);
}

/**
 * Valid, distinct names for these groups, in their order: a name already given gets "-2", "-3"….
 * Plan (`plan --write`) and host (`--baseline`) both name groups with this, so a written manifest
 * always passes the host's check.
 */
export function groupNames(groups: readonly (readonly string[])[]): string[] {
  const taken = new Set<string>();
  return groups.map((units) => {
    const base = groupNameOf(units);
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
    taken.add(name);
    return name;
  });
}

/** A manifest of these groups, named by the rule. */
export function manifestOf(
  version: string | number,
  groups: readonly (readonly string[])[],
): ClusteringManifest {
  const names = groupNames(groups);
  return { version, groups: groups.map((units, i) => ({ name: names[i], units: [...units] })) };
}
