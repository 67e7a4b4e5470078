/**
 * A proposal's page: its groups and the diff from the current clustering, the predicted effect with
 * its intervals, the evidence of every merge with links to the exemplar traces, the versions of its
 * scope, the audit trail, and the actions its state allows. Actions send the revision this page was
 * drawn from (If-Match), so a decision is never applied to a proposal that changed meanwhile.
 */
import { ApiError, api } from "./api.ts";
import { h, table } from "./dom.ts";
import { duration, interval, when } from "./format.ts";
import type { Figures, Predicted, Proposal, ProposalAnswer } from "./types.ts";

/** What each state allows (src/proposals/states.ts), and the route each action posts to. */
const ACTIONS: Record<
  string,
  { label: string; path: string; reason: "optional" | "required"; rollout?: boolean }[]
> = {
  pending_approval: [
    { label: "Approve", path: "approve", reason: "optional" },
    { label: "Reject", path: "reject", reason: "required" },
  ],
  approved: [
    { label: "Start rollout", path: "rollout", reason: "optional", rollout: true },
    { label: "Reject", path: "reject", reason: "required" },
  ],
  rolling_out: [
    { label: "Promote", path: "promote", reason: "optional" },
    { label: "Roll back", path: "rollback", reason: "required" },
  ],
};

export function showAlert(message: string | null) {
  const alert = document.getElementById("alert") as HTMLElement;
  alert.hidden = message === null;
  alert.textContent = message ?? "";
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "NF_AUTH_REQUIRED") return "Enter an API token above to see this (NF_AUTH_REQUIRED).";
    if (error.code === "NF_AUTH_INVALID" || error.code === "NF_AUTH_REVOKED")
      return `The server refused the token: ${error.message} (${error.code}).`;
    return `${error.message} (${error.code}).`;
  }
  return (error as Error).message;
}

function predictedTable(p: Predicted) {
  const b = p.baseline;
  const a = p.proposed;
  if (!b || !a) return h("p", { class: "muted" }, "No prediction was recorded.");
  const row = (name: string, key: "p50Us" | "p95Us" | "p99Us") => [
    name,
    duration(b[key]),
    b.ci ? interval(b.ci[key].low, b.ci[key].high) : "",
    duration(a[key]),
    a.ci ? interval(a.ci[key].low, a.ci[key].high) : "",
    duration(a[key] - b[key]),
  ];
  const extra = (name: string, f: (x: Figures) => string) => [name, f(b), "", f(a), "", ""];
  return table(
    `Predicted end-to-end latency over ${p.traces ?? "?"} recorded traces, with 95 % bootstrap intervals`,
    ["", "now", "interval", "proposed", "interval", "change"],
    [
      row("p50", "p50Us"),
      row("p95", "p95Us"),
      row("p99", "p99Us"),
      extra("mean", (x) => (x.meanUs === undefined ? "–" : duration(x.meanUs))),
      extra("deployments", (x) => String(x.groups ?? "–")),
      extra("base cost per hour", (x) =>
        x.baseCostPerHour === undefined ? "–" : x.baseCostPerHour.toFixed(3),
      ),
    ],
    [1, 3, 5],
  );
}

function groupsAndDiff(p: Proposal) {
  const { plan } = p;
  const list = (groups: string[][], cls?: string) =>
    h("ul", { class: "groups" }, ...groups.map((g) => h("li", { class: cls ?? null }, g.join(", "))));
  return h(
    "section",
    { "aria-labelledby": "groups-h" },
    h("h2", { id: "groups-h" }, "Groups"),
    h("p", {}, `${plan.groups.length} deployments instead of ${plan.current.length}.`),
    list(plan.groups.filter((g) => g.length > 1)),
    h(
      "p",
      { class: "muted" },
      `Alone: ${
        plan.groups
          .filter((g) => g.length === 1)
          .map((g) => g[0])
          .join(", ") || "none"
      }.`,
    ),
    plan.diff
      ? h(
          "div",
          {},
          h("h3", {}, "Diff from the current clustering"),
          h("p", {}, "New groups:"),
          list(plan.diff.added, "added"),
          h("p", {}, "Groups that go away:"),
          list(plan.diff.removed, "removed"),
          h("p", {}, `Units that move: ${plan.diff.moved.join(", ") || "none"}.`),
        )
      : null,
    h("p", {}, h("a", { href: `#/?proposal=${p.id}&view=after` }, "See these groups on the service graph")),
  );
}

function evidence(p: Proposal) {
  const merges = p.plan.merges ?? [];
  return h(
    "section",
    { "aria-labelledby": "evidence-h" },
    h("h2", { id: "evidence-h" }, "Evidence, merge by merge"),
    merges.length === 0 ? h("p", { class: "muted" }, "No merge.") : null,
    ...merges.map((m, i) =>
      h(
        "article",
        { class: "merge" },
        h("h3", {}, `${i + 1}. ${m.units.join(", ")} with ${m.into.join(", ")}`),
        h("p", {}, m.reason),
        table(
          "Calls this merge makes in-process",
          ["call", "calls", "network p50", "network on critical paths", "exemplar traces"],
          m.edges.map((e) => [
            `${e.from} → ${e.to}`,
            String(e.calls),
            duration(e.networkP50Us),
            duration(e.criticalPathNetworkUs),
            h(
              "span",
              {},
              ...e.exemplarTraceIds.flatMap((t, k) => [
                k ? " " : "",
                h("a", { href: `#/traces/${t}?proposal=${p.id}`, "aria-label": `trace ${t}` }, t.slice(0, 8)),
              ]),
            ),
          ]),
          [1, 2, 3],
        ),
      ),
    ),
  );
}

function actions(answer: ProposalAnswer, reload: () => void) {
  const p = answer.proposal;
  const allowed = ACTIONS[p.state] ?? [];
  const result = h("p", { id: "action-result", role: "status" });
  const forms = allowed.map((a) => {
    const id = `act-${a.path}`;
    const reason = h("textarea", { id: `${id}-reason`, rows: 2, required: a.reason === "required" });
    const variant = h("input", { id: `${id}-variant`, value: "candidate", required: true });
    const share = h("input", {
      id: `${id}-share`,
      type: "number",
      min: 0.01,
      max: 1,
      step: 0.01,
      value: 0.1,
    });
    const form = h(
      "form",
      {
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const button = form.querySelector("button") as HTMLButtonElement;
          button.disabled = true;
          const body: Record<string, unknown> = {};
          const text = reason.value.trim();
          if (text) body.reason = text;
          if (a.rollout) {
            body.variant = variant.value.trim();
            body.trafficShare = Number(share.value);
          }
          try {
            const answer = await api<{ proposal: Proposal }>(`proposals/${p.id}/${a.path}`, {
              method: "POST",
              body,
              revision: p.revision,
            });
            showAlert(null);
            result.textContent = `Proposal ${p.id} is ${answer.proposal.state.replace("_", " ")} (revision ${answer.proposal.revision}).`;
            reload();
          } catch (error) {
            if (error instanceof ApiError && error.status === 404 && a.rollout)
              showAlert(
                "This server has no rollout routes yet (POST /api/proposals/{id}/rollout answered 404).",
              );
            else showAlert(`${a.label} failed: ${describeError(error)}`);
            button.disabled = false;
          }
        },
      },
      h(
        "fieldset",
        {},
        h("legend", {}, a.label),
        a.rollout
          ? [
              h("label", { for: `${id}-variant` }, "Variant label"),
              variant,
              h("label", { for: `${id}-share` }, "Share of traffic (0–1)"),
              share,
            ]
          : null,
        h(
          "label",
          { for: `${id}-reason` },
          a.reason === "required" ? "Reason (required)" : "Reason (optional)",
        ),
        reason,
        h("button", { type: "submit", class: "primary", id: `${id}-button` }, a.label),
      ),
    );
    return form;
  });
  return h(
    "section",
    { "aria-labelledby": "actions-h" },
    h("h2", { id: "actions-h" }, "Decide"),
    forms.length
      ? h("div", { class: "actions" }, ...forms)
      : h("p", { class: "muted" }, `Nothing to decide: the proposal is ${p.state.replace("_", " ")}.`),
    result,
  );
}

export async function proposalView(main: HTMLElement, id: number) {
  const answer = await api<ProposalAnswer>(`proposals/${id}`);
  const p = answer.proposal;
  const reload = () => void proposalView(main, id).catch((e) => showAlert(describeError(e)));
  main.replaceChildren(
    h("h1", {}, `Proposal ${p.id}: ${p.scope}, version ${p.version}`),
    h(
      "p",
      {},
      "State ",
      h("span", { class: "state", id: "proposal-state" }, p.state),
      ` · revision ${p.revision} · created ${when(p.createdAt)} · content ${p.contentHash.slice(0, 12)}`,
      p.supersedes ? ` · supersedes ${p.supersedes}` : "",
    ),
    actions(answer, reload),
    h(
      "section",
      { "aria-labelledby": "effect-h" },
      h("h2", { id: "effect-h" }, "Predicted effect"),
      predictedTable(p.predicted),
    ),
    groupsAndDiff(p),
    evidence(p),
    h(
      "section",
      { "aria-labelledby": "rollouts-h" },
      h("h2", { id: "rollouts-h" }, "Rollouts"),
      answer.rollouts.length
        ? table(
            "Rollouts of this proposal",
            ["id", "variant", "share", "started", "ended", "outcome", ""],
            answer.rollouts.map((r) => [
              String(r.id),
              r.variant,
              String(r.trafficShare),
              when(r.startedAt),
              r.endedAt ? when(r.endedAt) : "",
              r.outcome ?? "in progress",
              h("a", { href: `#/proposals/${p.id}/rollout` }, "distributions and verdict"),
            ]),
          )
        : h(
            "p",
            { class: "muted" },
            "None yet. ",
            h("a", { href: `#/proposals/${p.id}/rollout` }, "Rollout page"),
          ),
    ),
    h(
      "section",
      { "aria-labelledby": "versions-h" },
      h("h2", { id: "versions-h" }, "Versions of this scope"),
      table(
        "Newest first",
        ["id", "version", "state", "created", "p50 now → proposed"],
        answer.versions.map((v) => [
          v.id === p.id ? `${v.id} (this)` : h("a", { href: `#/proposals/${v.id}` }, String(v.id)),
          String(v.version),
          v.state,
          when(v.createdAt),
          v.predicted.baseline && v.predicted.proposed
            ? `${duration(v.predicted.baseline.p50Us)} → ${duration(v.predicted.proposed.p50Us)}`
            : "",
        ]),
      ),
    ),
    h(
      "section",
      { "aria-labelledby": "audit-h" },
      h("h2", { id: "audit-h" }, "Audit trail"),
      table(
        "Oldest first",
        ["when", "who", "action", "from → to", "reason", "revision"],
        answer.audit.map((a) => [
          when(a.at),
          a.actor,
          a.action,
          `${a.from ?? "–"} → ${a.to}`,
          a.reason ?? "",
          String(a.revision),
        ]),
        [5],
      ),
    ),
  );
}

export async function proposalsView(main: HTMLElement) {
  const { proposals } = await api<{ proposals: Proposal[] }>("proposals?limit=100");
  main.replaceChildren(
    h("h1", {}, "Proposals"),
    proposals.length
      ? table(
          "Newest first",
          ["id", "scope", "version", "state", "p50 now → proposed", "p95 now → proposed", "created"],
          proposals.map((p) => [
            h("a", { href: `#/proposals/${p.id}` }, `Proposal ${p.id}`),
            p.scope,
            String(p.version),
            p.state,
            p.predicted.baseline && p.predicted.proposed
              ? `${duration(p.predicted.baseline.p50Us)} → ${duration(p.predicted.proposed.p50Us)}`
              : "",
            p.predicted.baseline && p.predicted.proposed
              ? `${duration(p.predicted.baseline.p95Us)} → ${duration(p.predicted.proposed.p95Us)}`
              : "",
            when(p.createdAt),
          ]),
        )
      : h("p", {}, "No proposal yet: the planner makes one once enough traces have come in."),
  );
}
