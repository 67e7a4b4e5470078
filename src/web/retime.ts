/**
 * What-if re-timing of one exemplar trace under a proposal, in the browser, from what the evidence
 * keeps: the trace's critical path (sections of spans, DESIGN.md "Critical path") and the proposal's
 * groups. A span is a hop's client when its sections on the path are interrupted by a section of
 * another unit (its server child); its own time there is the hop's network time on the critical path
 * (client − server, DESIGN.md "Hop"). Under the proposal, a hop whose two units share a group loses
 * that time and costs an in-process call instead (src/plan/cost/in-process-call.ts: 50 µs), and the
 * path is closed up. The recorded path is kept: a parallel branch that was not critical may become
 * critical once this one is shorter, so the saving shown is an upper bound of the trace's (the
 * planner's what-if, which re-times whole trees, is the proposal's predicted effect).
 */
import type { Section } from "./types.ts";

export const IN_PROCESS_US = 50;

export interface TimedSection extends Section {
  /** The span's own time on the path is network time of a hop to `callee`. */
  network: boolean;
  callee: string | null;
  /** The hop becomes an in-process call under the proposal. */
  fused: boolean;
}

/** Marks the sections that are network time of a hop, with the callee's unit. */
export function markHops(sections: readonly Section[]): TimedSection[] {
  const calleeOf = new Map<string, string>();
  const last = new Map<string, number>();
  sections.forEach((section, i) => {
    const previous = last.get(section.spanId);
    if (previous !== undefined && previous < i - 1 && !calleeOf.has(section.spanId)) {
      const next = sections[previous + 1];
      if (next.unit !== section.unit) calleeOf.set(section.spanId, next.unit);
    }
    last.set(section.spanId, i);
  });
  return sections.map((section) => {
    const callee = calleeOf.get(section.spanId) ?? null;
    return { ...section, network: callee !== null, callee, fused: false };
  });
}

export interface Retimed {
  sections: TimedSection[];
  startUs: number;
  durationUs: number;
  /** Network time removed along the path, less the in-process calls that replace it. */
  savedUs: number;
  /** Hops made in-process, as `client → callee`, sorted. */
  fusedHops: string[];
}

export function retime(
  sections: readonly Section[],
  groups: readonly (readonly string[])[],
  inProcessUs = IN_PROCESS_US,
): Retimed {
  const marked = markHops(sections);
  const groupOf = new Map<string, number>();
  groups.forEach((group, g) => {
    for (const unit of group) groupOf.set(unit, g);
  });
  const together = (a: string, b: string) => groupOf.has(a) && groupOf.get(a) === groupOf.get(b);
  // A fused hop's network time on the path, so its in-process cost is shared among its sections.
  const networkOf = new Map<string, number>();
  for (const s of marked)
    if (s.network && together(s.unit, s.callee as string))
      networkOf.set(s.spanId, (networkOf.get(s.spanId) ?? 0) + (s.endUs - s.startUs));
  const startUs = marked.length ? marked[0].startUs : 0;
  let cursor = startUs;
  const fusedHops = new Set<string>();
  const out = marked.map((s) => {
    const length = s.endUs - s.startUs;
    const total = networkOf.get(s.spanId);
    const fused = total !== undefined && s.network;
    const kept = fused && total > 0 ? (length / total) * Math.min(inProcessUs, total) : length;
    if (fused) fusedHops.add(`${s.unit} → ${s.callee}`);
    const next = { ...s, fused, startUs: cursor, endUs: cursor + kept };
    cursor += kept;
    return next;
  });
  const original = marked.length ? marked[marked.length - 1].endUs - startUs : 0;
  const durationUs = cursor - startUs;
  return {
    sections: out,
    startUs,
    durationUs,
    savedUs: original - durationUs,
    fusedHops: [...fusedHops].sort(),
  };
}
