/**
 * An exemplar trace: its critical path as a waterfall (one row per span on the path, its time on the
 * path in blue, network time of hops in orange), and beside it the same path re-timed under a
 * proposal (retime.ts: hops inside a group turned into in-process calls, drawn green).
 * Only the critical path is kept with the evidence, so spans off it are not drawn.
 */
import { api } from "./api.ts";
import { h, mount, s } from "./dom.ts";
import { duration } from "./format.ts";
import { markHops, type Retimed, retime, type TimedSection } from "./retime.ts";
import type { CriticalPath, ProposalAnswer, TraceAnswer } from "./types.ts";

const ROW = 18;
const LABEL = 210;
const WIDTH = 640;

function waterfall(title: string, sections: TimedSection[], startUs: number, scaleUs: number, id: string) {
  const rows: { spanId: string; label: string; parts: TimedSection[] }[] = [];
  const index = new Map<string, number>();
  for (const section of sections) {
    let row = index.get(section.spanId);
    if (row === undefined) {
      row = rows.length;
      index.set(section.spanId, row);
      rows.push({ spanId: section.spanId, label: `${section.unit}: ${section.operation}`, parts: [] });
    }
    rows[row].parts.push(section);
  }
  const plot = WIDTH - LABEL - 10;
  const x = (us: number) => LABEL + ((us - startUs) / scaleUs) * plot;
  const svg = s("svg", {
    width: WIDTH,
    height: rows.length * ROW + 24,
    role: "img",
    "aria-labelledby": `${id}-title`,
  });
  svg.append(s("title", { id: `${id}-title` }, title));
  rows.forEach((row, r) => {
    const y = r * ROW + 4;
    const first = row.parts[0].startUs;
    const last = row.parts[row.parts.length - 1].endUs;
    svg.append(
      s("text", { x: 2, y: y + 12 }, row.label.length > 32 ? `${row.label.slice(0, 31)}…` : row.label),
    );
    svg.append(
      s("rect", {
        class: "bar-span",
        x: x(first),
        y,
        width: Math.max(1, x(last) - x(first)),
        height: ROW - 5,
      }),
    );
    for (const part of row.parts) {
      const cls = part.fused ? "bar-fused" : part.network ? "bar-net" : "bar-cp";
      const rect = s("rect", {
        class: cls,
        x: x(part.startUs),
        y,
        width: Math.max(1, x(part.endUs) - x(part.startUs)),
        height: ROW - 5,
      });
      rect.append(
        s(
          "title",
          {},
          `${part.unit} ${part.operation}: ${duration(part.endUs - part.startUs)}${part.network ? ` ${part.fused ? "in-process call to" : "network time of the hop to"} ${part.callee}` : ""}`,
        ),
      );
      svg.append(rect);
    }
  });
  const axisY = rows.length * ROW + 18;
  svg.append(s("text", { x: LABEL, y: axisY }, "0"));
  svg.append(s("text", { x: WIDTH - 60, y: axisY }, duration(scaleUs)));
  return h("figure", { id }, h("figcaption", {}, title), svg);
}

function hopTable(sections: TimedSection[]) {
  const byHop = new Map<string, number>();
  for (const x of sections)
    if (x.network)
      byHop.set(`${x.unit} → ${x.callee}`, (byHop.get(`${x.unit} → ${x.callee}`) ?? 0) + x.endUs - x.startUs);
  const rows = [...byHop].sort((a, b) => b[1] - a[1]);
  return h(
    "table",
    {},
    h("caption", { class: "muted" }, "Network time of hops on this critical path"),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, "hop"), h("th", { scope: "col", class: "num" }, "network time")),
    ),
    h(
      "tbody",
      {},
      ...rows.map(([hop, us]) => h("tr", {}, h("td", {}, hop), h("td", { class: "num" }, duration(us)))),
    ),
  );
}

function pathBlock(path: CriticalPath, answer: ProposalAnswer | null, n: number) {
  const marked = markHops(path.sections);
  const what: Retimed | null = answer ? retime(path.sections, answer.proposal.plan.groups) : null;
  const scaleUs = path.durationUs || 1;
  return h(
    "section",
    {},
    h("h2", {}, path.orphan ? `Orphan subtree ${n}` : "Critical path", ` (${duration(path.durationUs)})`),
    h(
      "p",
      { class: "legend" },
      "Blue: a span's own time on the critical path; orange: network time of a hop; green: a hop made in-process; light: the span's extent.",
    ),
    h(
      "div",
      { class: "waterfalls" },
      waterfall(`Recorded: ${duration(path.durationUs)}`, marked, path.startUs, scaleUs, `recorded-${n}`),
      what
        ? waterfall(
            `Under proposal ${answer?.proposal.id}: ${duration(what.durationUs)} (${duration(what.savedUs)} less)`,
            what.sections,
            what.startUs,
            scaleUs,
            `whatif-${n}`,
          )
        : h("p", { class: "muted" }, "Open this trace from a proposal to see it re-timed under it."),
    ),
    what
      ? h(
          "p",
          { id: `whatif-summary-${n}` },
          what.fusedHops.length
            ? `In-process under the proposal: ${what.fusedHops.join(", ")}. Re-timed along the recorded path, so the saving is at most ${duration(what.savedUs)}: a branch that was not critical may become so.`
            : "No hop on this path is inside one of the proposal's groups.",
        )
      : null,
    hopTable(marked),
  );
}

export async function traceView(main: HTMLElement, traceId: string, params: URLSearchParams) {
  const proposalId = Number(params.get("proposal"));
  const [trace, proposal] = await Promise.all([
    api<TraceAnswer>(`traces/${traceId}`),
    proposalId ? api<ProposalAnswer>(`proposals/${proposalId}`) : Promise.resolve(null),
  ]);
  mount(
    main,
    h("h1", {}, `Trace ${trace.traceId}`),
    proposal
      ? h(
          "p",
          {},
          h("a", { href: `#/proposals/${proposal.proposal.id}` }, `Back to proposal ${proposal.proposal.id}`),
        )
      : null,
    ...trace.paths.map((p, i) => pathBlock(p, proposal, i + 1)),
  );
}
