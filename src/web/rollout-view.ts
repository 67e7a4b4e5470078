/**
 * A proposal's rollout: the control and candidate latency distributions and the judge's latest
 * verdict with its numbers. Reads GET /api/proposals/{id}/rollout (the rollout routes: the rollout,
 * per-variant counts, the judge's verdict now). The distributions are drawn as empirical CDFs when
 * the server gives the samples (in the counts as `latenciesUs`, or GET …/rollout/latencies as
 * `{control, candidate}` arrays), else as the p50 and p95 per variant the judge reports. A server
 * without the rollout routes (404) still shows the rollouts and judgements of GET /api/proposals/{id}.
 */
import { ApiError, api } from "./api.ts";
import { ecdf, quantile, sortedCopy } from "./distribution.ts";
import { h, mount, s, table } from "./dom.ts";
import { duration, interval, num, share, when } from "./format.ts";
import type { ProposalAnswer, Rollout } from "./types.ts";

/** A variant's counts (the rollout routes: requests, errors, successful latencies), and its samples where given. */
type Variant = { latenciesUs?: number[]; latencies?: number; errors?: number; requests?: number };
interface RolloutAnswer {
  rollout?: Rollout & { observations?: Record<string, Variant> };
  observations?: Record<string, Variant>;
  judgement?: Record<string, unknown> | null;
}

const W = 640;
const H = 300;
const PAD = 44;

function plot(variants: Record<string, number[]>) {
  const all = Object.values(variants).flat();
  const sortedAll = sortedCopy(all);
  // Up to the 99th percentile: the far tail would squash the part where the decision is made.
  const maxX = quantile(sortedAll, 0.99) || 1;
  const x = (us: number) => PAD + (Math.min(us, maxX) / maxX) * (W - 2 * PAD);
  const y = (p: number) => H - PAD - p * (H - 2 * PAD);
  const svg = s("svg", { class: "plot", width: W, height: H, role: "img", "aria-labelledby": "cdf-title" });
  svg.append(
    s(
      "title",
      { id: "cdf-title" },
      "Latency distributions of the control and the candidate (cumulative share of requests by latency)",
    ),
  );
  svg.append(s("line", { class: "axis", x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD }));
  svg.append(s("line", { class: "axis", x1: PAD, y1: PAD, x2: PAD, y2: H - PAD }));
  for (const p of [0, 0.25, 0.5, 0.75, 1]) svg.append(s("text", { x: 4, y: y(p) + 4 }, share(p)));
  for (const f of [0, 0.5, 1])
    svg.append(s("text", { x: x(f * maxX) - 10, y: H - PAD + 16 }, duration(f * maxX)));
  for (const [name, values] of Object.entries(variants)) {
    const steps = ecdf(sortedCopy(values));
    const d = steps.map(([v, p], i) => `${i ? "L" : "M"}${x(v).toFixed(1)},${y(p).toFixed(1)}`).join("");
    svg.append(s("path", { class: name === "control" ? "control" : "candidate", d }));
  }
  svg.append(s("text", { x: W - PAD - 150, y: y(0.2) }, "— control"));
  svg.append(s("text", { x: W - PAD - 150, y: y(0.12) }, "- - candidate"));
  return h(
    "figure",
    { id: "rollout-plot" },
    h("figcaption", {}, "Latency of successful requests, cumulative"),
    svg,
  );
}

function variantTable(variants: Record<string, Variant>, samples: Record<string, number[]>) {
  return table(
    "Requests per variant",
    ["variant", "requests", "errors", "latencies", "p50", "p95", "p99"],
    Object.entries(variants).map(([name, v]) => {
      const sorted = sortedCopy(samples[name] ?? v.latenciesUs ?? []);
      const q = (p: number) => (sorted.length ? duration(quantile(sorted, p)) : "–");
      return [
        name,
        String(v.requests ?? sorted.length),
        String(v.errors ?? 0),
        String(v.latencies ?? sorted.length),
        q(0.5),
        q(0.95),
        q(0.99),
      ];
    }),
    [1, 2, 3, 4, 5, 6],
  );
}

type Diff = { estimate: number; low: number; high: number };
function verdict(judgement: Record<string, unknown> | undefined) {
  if (!judgement)
    return h("p", { class: "muted", id: "verdict" }, "The judge has not looked at this rollout yet.");
  const result = (judgement.result as Record<string, unknown> | undefined) ?? judgement;
  const latency = result.latency as Record<string, unknown> | null | undefined;
  const errors = result.errors as
    | { control: { rate: number }; candidate: { rate: number }; increase: Diff; tripped: boolean }
    | undefined;
  const samples = result.samples as { control: number; candidate: number } | undefined;
  const rows: (string | Node)[][] = [];
  if (latency) {
    for (const q of ["p50", "p95"] as const) {
      const d = latency[q] as Diff | undefined;
      if (d)
        rows.push([
          `${q} difference (candidate − control)`,
          `${duration(d.estimate)} (${interval(d.low, d.high)})`,
        ]);
    }
    rows.push(["Mann-Whitney p-value", num(latency.pValue as number)]);
    rows.push(["Cliff's delta (positive: candidate faster)", num(latency.cliffsDelta as number)]);
    rows.push(["P(candidate faster)", share(latency.probabilityCandidateFaster as number)]);
  }
  if (errors) {
    rows.push([
      "error rate control / candidate",
      `${share(errors.control.rate)} / ${share(errors.candidate.rate)}`,
    ]);
    rows.push([
      "error-rate increase",
      `${share(errors.increase.estimate)} (${share(errors.increase.low)} – ${share(errors.increase.high)})${errors.tripped ? ", over the limit" : ""}`,
    ]);
  }
  if (samples) rows.push(["samples control / candidate", `${samples.control} / ${samples.candidate}`]);
  return h(
    "div",
    { id: "verdict" },
    h(
      "p",
      {},
      "Verdict: ",
      h("strong", {}, String(result.verdict ?? judgement.verdict ?? "?").replace("_", " ")),
      result.reason ? ` (${String(result.reason).replaceAll("_", " ")})` : "",
      judgement.at ? `, ${when(String(judgement.at))}` : "",
    ),
    result.explanation ? h("p", {}, String(result.explanation)) : null,
    rows.length ? table("The judge's numbers", ["", ""], rows) : null,
  );
}

/** The quantiles the judge reports (latency.p50 / p95: control, candidate, difference with its interval). */
type QuantileDiff = {
  control: number;
  candidate: number;
  estimate: number;
  low: number | null;
  high: number | null;
};

/**
 * Without the samples, the distributions as the judge summarised them: p50 and p95 of each variant
 * on one latency axis, the candidate's with the bootstrap interval of its difference from the control.
 */
function quantilePlot(latency: Record<string, unknown>) {
  const qs = (["p50", "p95"] as const).map((q) => [q, latency[q] as QuantileDiff | undefined] as const);
  const present = qs.filter((x): x is readonly ["p50" | "p95", QuantileDiff] => Boolean(x[1]));
  if (present.length === 0) return null;
  const maxX =
    Math.max(...present.flatMap(([, d]) => [d.control, d.candidate, d.control + (d.high ?? 0)])) * 1.1 || 1;
  const x = (us: number) => PAD + 70 + (Math.max(0, us) / maxX) * (W - 2 * PAD - 70);
  const rowY = { control: 60, candidate: 130 } as const;
  const svg = s("svg", { class: "plot", width: W, height: 200, role: "img", "aria-labelledby": "q-title" });
  svg.append(
    s("title", { id: "q-title" }, "p50 and p95 of the control and the candidate, as the judge measured them"),
  );
  svg.append(s("line", { class: "axis", x1: PAD + 70, y1: 170, x2: W - PAD, y2: 170 }));
  for (const f of [0, 0.5, 1]) svg.append(s("text", { x: x(f * maxX) - 10, y: 186 }, duration(f * maxX)));
  for (const [variant, y] of Object.entries(rowY)) {
    svg.append(s("text", { x: 4, y: y + 4 }, variant));
    svg.append(
      s("line", { class: "axis", x1: PAD + 70, y1: y, x2: W - PAD, y2: y, "stroke-dasharray": "1 4" }),
    );
    for (const [q, d] of present) {
      const value = variant === "control" ? d.control : d.candidate;
      const mark = s("circle", { class: variant, cx: x(value), cy: y, r: q === "p50" ? 6 : 4 });
      mark.append(s("title", {}, `${variant} ${q}: ${duration(value)}`));
      svg.append(mark, s("text", { x: x(value) - 10, y: y - 10 }, q));
      if (variant === "candidate" && d.low !== null && d.high !== null)
        svg.append(
          s("line", {
            class: "candidate",
            x1: x(d.control + d.low),
            y1: y + 12,
            x2: x(d.control + d.high),
            y2: y + 12,
          }),
        );
    }
  }
  return h(
    "figure",
    { id: "rollout-quantiles" },
    h("figcaption", {}, "p50 and p95 per variant (the candidate's line: the interval of its difference)"),
    svg,
  );
}

export async function rolloutView(main: HTMLElement, id: number) {
  const proposal = await api<ProposalAnswer>(`proposals/${id}`);
  let answer: RolloutAnswer | null = null;
  let note: string | null = null;
  try {
    answer = await api<RolloutAnswer>(`proposals/${id}/rollout`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    note =
      error.code === "NF_ROLLOUT_NOT_FOUND"
        ? "This proposal has no rollout in progress."
        : "This server does not serve rollouts (GET /api/proposals/{id}/rollout answered 404): shown is what the proposal records.";
  }
  const rollout = answer?.rollout ?? proposal.rollouts[proposal.rollouts.length - 1];
  const observations = answer?.observations ?? answer?.rollout?.observations ?? null;
  // The samples themselves, where the server gives them: in the status, or from their own route.
  const latencies: Record<string, number[]> = {};
  for (const [name, v] of Object.entries(observations ?? {}))
    if (v.latenciesUs?.length) latencies[name] = v.latenciesUs;
  if (rollout && Object.keys(latencies).length === 0) {
    try {
      const samples = await api<Record<string, number[]>>(`proposals/${id}/rollout/latencies`);
      for (const name of ["control", "candidate"]) if (samples[name]?.length) latencies[name] = samples[name];
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  const judgement = answer?.judgement ?? rollout?.judgements?.[rollout.judgements.length - 1];
  const judged = (judgement as { result?: Record<string, unknown> } | undefined)?.result ?? judgement;
  const latency = (judged as { latency?: Record<string, unknown> | null } | undefined)?.latency;
  mount(
    main,
    h("h1", {}, `Rollout of proposal ${id}`),
    h(
      "p",
      {},
      h("a", { href: `#/proposals/${id}` }, `Back to proposal ${id}`),
      ` · state ${proposal.proposal.state}`,
    ),
    note ? h("p", { id: "rollout-note", role: "status" }, note) : null,
    rollout
      ? h(
          "p",
          {},
          `Rollout ${rollout.id}: variant ${rollout.variant} on ${share(rollout.trafficShare)} of traffic, started ${when(rollout.startedAt)}${rollout.endedAt ? `, ended ${when(rollout.endedAt)} (${rollout.outcome})` : ", in progress"}.`,
        )
      : h("p", { class: "muted", id: "rollout-none" }, "No rollout was started for this proposal."),
    Object.keys(latencies).length ? plot(latencies) : latency ? quantilePlot(latency) : null,
    observations ? variantTable(observations, latencies) : null,
    rollout || judgement ? verdict(judgement as Record<string, unknown> | undefined) : null,
  );
}
