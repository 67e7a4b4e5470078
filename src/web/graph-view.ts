/**
 * The service graph page: sigma.js (WebGL) over the graphology graph of graph-model.ts, laid out by
 * ForceAtlas2 from group-wise starting points. The current groups or a proposal's (before / after),
 * hover and click show a unit's or a call's figures, and a table lists the same figures for keyboard
 * and screen-reader users. Level of detail for big graphs (defaults below): labels only on nodes drawn
 * large enough, edges hidden while the camera moves, only the heaviest edges until a unit is picked.
 */
import type Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";
import Sigma from "sigma";
import { api } from "./api.ts";
import { h, mount, table } from "./dom.ts";
import { duration, num } from "./format.ts";
import { applyGroups, buildGraph, edgeWeightFloor, groupColours } from "./graph-model.ts";
import type { GraphAnswer, Link, ProposalAnswer, Summary, UnitNode } from "./types.ts";

/** Above this many units, edges are hidden while moving and only the heaviest are drawn. */
const BIG = 200;
const KEEP_EDGES = 600;
/** Units listed in the table before "show all". */
const TABLE_ROWS = 50;

let current: Sigma | null = null;

/** Stops the renderer of the previous visit (its WebGL contexts are not freed otherwise). */
export function leaveGraph() {
  current?.kill();
  current = null;
}

function layout(graph: Graph, groups: readonly (readonly string[])[]) {
  // Start each group around its own point, so that members of a group end up near each other.
  const { groupOf } = groupColours(groups);
  const g = Math.max(1, groups.length);
  graph.forEachNode((unit, a) => {
    const k = groupOf.get(unit) ?? 0;
    const angle = (2 * Math.PI * k) / g;
    graph.mergeNodeAttributes(unit, {
      x: Math.cos(angle) * 10 + (a.x as number),
      y: Math.sin(angle) * 10 + (a.y as number),
    });
  });
  const iterations = graph.order > 500 ? 40 : graph.order > BIG ? 100 : 300;
  forceAtlas2.assign(graph, {
    iterations,
    // Attraction by drawn width, which has a floor: a call with no critical-path time is still a call.
    getEdgeWeight: "size",
    settings: {
      ...forceAtlas2.inferSettings(graph),
      strongGravityMode: true,
      barnesHutOptimize: graph.order > BIG,
    },
  });
}

function unitFigures(unit: string, figures: UnitNode | null, group: string[] | undefined) {
  if (!figures)
    return h("div", {}, h("h3", {}, unit), h("p", {}, "A callee without instrumentation (virtual unit)."));
  return h(
    "div",
    {},
    h("h3", {}, unit),
    h(
      "dl",
      {},
      h("dt", {}, "critical-path time"),
      h("dd", {}, duration(figures.criticalPathUs)),
      h("dt", {}, "spans"),
      h("dd", {}, String(figures.spans)),
      h("dt", {}, "errors"),
      h("dd", {}, String(figures.errors)),
      h("dt", {}, "cold starts"),
      h("dd", {}, `${figures.coldStarts} (${duration(figures.coldStartCriticalPathUs)} on critical paths)`),
      h("dt", {}, "betweenness"),
      h("dd", {}, num(figures.betweenness)),
      h("dt", {}, "group"),
      h("dd", {}, group && group.length > 1 ? group.join(", ") : "alone"),
    ),
  );
}

function linkFigures(link: Link, inside: boolean) {
  return h(
    "div",
    {},
    h("h3", {}, `${link.from} → ${link.to}`),
    h(
      "dl",
      {},
      h("dt", {}, "calls"),
      h("dd", {}, String(link.calls)),
      h("dt", {}, "network time on critical paths"),
      h("dd", {}, duration(link.criticalPathNetworkUs)),
      h("dt", {}, "in this clustering"),
      h("dd", {}, inside ? "an in-process call (both in one group)" : "a network hop"),
    ),
  );
}

export async function graphView(main: HTMLElement, params: URLSearchParams) {
  leaveGraph();
  const [answer, list] = await Promise.all([
    api<GraphAnswer>("graph"),
    api<{ proposals: Summary[] }>("proposals?limit=50"),
  ]);
  const chosenId = Number(params.get("proposal")) || list.proposals[0]?.id;
  const chosen = chosenId ? await api<ProposalAnswer>(`proposals/${chosenId}`) : null;
  const plan = chosen?.proposal.plan;
  const before = plan?.current ?? answer.nodes.map((n) => [n.unit]);
  const after = plan?.groups ?? before;
  // The proposal's groups first: that is what the page is opened to judge.
  let mode: "before" | "after" = params.get("view") === "before" || !plan ? "before" : "after";
  const groupsNow = () => (mode === "after" ? after : before);

  const graph = buildGraph(answer);
  layout(graph, after);
  const info = h(
    "div",
    { class: "panel", id: "figures", "aria-live": "polite" },
    h("p", { class: "muted" }, "Hover or pick a unit or a call to see its figures."),
  );
  const container = h("div", {
    id: "graph",
    role: "img",
    "aria-label": `Service graph of ${graph.order} units and ${graph.size} calls; the table below lists the same figures`,
  });
  const summary = h("p", { id: "graph-summary" });
  let selected: string | null = null;
  let hovered: string | null = null;
  let search = "";
  const floor = graph.order > BIG ? edgeWeightFloor(graph, KEEP_EDGES) : 0;

  const groupOfUnit = (unit: string) => groupsNow().find((g) => g.includes(unit));
  const showUnit = (unit: string) =>
    info.replaceChildren(unitFigures(unit, graph.getNodeAttribute(unit, "figures"), groupOfUnit(unit)));

  const renderer = new Sigma(graph, container, {
    // It is mounted just below; resize() then measures it.
    allowInvalidContainer: true,
    renderEdgeLabels: false,
    // Hovering a call shows its figures; picking edges costs a pass over them, so only for smaller graphs.
    enableEdgeEvents: graph.size <= 3000,
    defaultEdgeType: "arrow",
    labelRenderedSizeThreshold: graph.order > BIG ? 10 : 0,
    hideEdgesOnMove: graph.order > BIG,
    hideLabelsOnMove: graph.order > BIG,
    zIndex: true,
    nodeReducer: (node, data) => {
      const focus = selected ?? hovered;
      const matches = search && node.toLowerCase().includes(search);
      const near = focus && (node === focus || graph.areNeighbors(node, focus));
      if ((focus && !near) || (search && !matches && !focus))
        return { ...data, color: "#e2e2e2", label: "", zIndex: 0 };
      return { ...data, highlighted: node === focus || Boolean(matches), zIndex: 1 };
    },
    edgeReducer: (edge, data) => {
      const focus = selected ?? hovered;
      if (focus) return graph.hasExtremity(edge, focus) ? data : { ...data, hidden: true };
      if ((data.weight as number) < floor) return { ...data, hidden: true };
      return data;
    },
  });
  current = renderer;
  renderer.on("afterRender", () => {
    container.dataset.renderedNodes = String(renderer.getGraph().order);
    container.dataset.renderedEdges = String(renderer.getGraph().size);
  });
  renderer.on("enterNode", ({ node }) => {
    hovered = node;
    if (!selected) showUnit(node);
    renderer.refresh({ skipIndexation: true });
  });
  renderer.on("leaveNode", () => {
    hovered = null;
    renderer.refresh({ skipIndexation: true });
  });
  renderer.on("enterEdge", ({ edge }) => {
    if (!selected)
      info.replaceChildren(
        linkFigures(graph.getEdgeAttribute(edge, "figures"), graph.getEdgeAttribute(edge, "inside")),
      );
  });
  const select = (unit: string | null) => {
    selected = unit;
    if (unit) {
      showUnit(unit);
      const at = renderer.getNodeDisplayData(unit);
      if (at)
        renderer
          .getCamera()
          .animate({ x: at.x, y: at.y, ratio: graph.order > BIG ? 0.3 : 0.8 }, { duration: 300 });
    } else renderer.getCamera().animatedReset({ duration: 0 });
    renderer.refresh({ skipIndexation: true });
  };
  renderer.on("clickNode", ({ node }) => select(node));
  renderer.on("clickStage", () => select(null));
  container.tabIndex = 0;
  container.addEventListener("keydown", (e) => {
    if (e.key === "Escape") select(null);
  });
  const clear = h(
    "button",
    { type: "button", id: "clear-selection", onclick: () => select(null) },
    "Clear selection",
  );

  const recolour = () => {
    const { fused } = applyGroups(graph, groupsNow());
    const groups = groupsNow().filter((g) => g.length > 1).length;
    summary.textContent = `${graph.order} units, ${graph.size} calls; ${mode === "after" ? `proposal ${chosen?.proposal.id}` : "current clustering"}: ${groupsNow().length} deployments, ${groups} of several units, ${fused} calls in-process.`;
    renderer.refresh();
  };

  const toggle = h(
    "fieldset",
    {},
    h("legend", {}, "Groups shown"),
    ...(["before", "after"] as const).map((m) =>
      h(
        "label",
        {},
        h("input", {
          type: "radio",
          name: "groups",
          value: m,
          checked: mode === m,
          disabled: m === "after" && !plan,
          onchange: () => {
            mode = m;
            recolour();
          },
        }),
        m === "before" ? " before (current)" : ` after (proposal ${chosen?.proposal.id ?? "none"})`,
      ),
    ),
  );
  const proposalPicker = h(
    "label",
    {},
    "Proposal ",
    h(
      "select",
      {
        id: "proposal-picker",
        onchange: (e: Event) => {
          location.hash = `#/?proposal=${(e.target as HTMLSelectElement).value}&view=${mode}`;
        },
      },
      ...list.proposals.map((p) =>
        h(
          "option",
          { value: p.id, selected: p.id === chosenId },
          `${p.id}: ${p.scope} v${p.version} (${p.state})`,
        ),
      ),
    ),
  );
  const units = [...answer.nodes].sort(
    (a, b) => b.criticalPathUs - a.criticalPathUs || a.unit.localeCompare(b.unit),
  );
  const datalist = h("datalist", { id: "unit-names" }, ...units.map((u) => h("option", { value: u.unit })));
  const searchBox = h("input", {
    id: "unit-search",
    type: "search",
    list: "unit-names",
    placeholder: "unit name",
    oninput: (e: Event) => {
      search = (e.target as HTMLInputElement).value.trim().toLowerCase();
      renderer.refresh({ skipIndexation: true });
    },
    onchange: (e: Event) => {
      const name = (e.target as HTMLInputElement).value.trim();
      if (graph.hasNode(name)) select(name);
    },
  });
  let showAll = false;
  const tableHolder = h("div", {});
  const drawTable = () => {
    const rows = (showAll ? units : units.slice(0, TABLE_ROWS)).map((u) => [
      h(
        "button",
        { type: "button", onclick: () => select(u.unit), "aria-label": `Show ${u.unit} in the graph` },
        u.unit,
      ),
      duration(u.criticalPathUs),
      String(u.spans),
      String(u.coldStarts),
      (groupOfUnit(u.unit)?.length ?? 0) > 1 ? (groupOfUnit(u.unit) as string[]).join(", ") : "alone",
    ]);
    mount(
      tableHolder,
      table(
        `Units by critical-path time${showAll || units.length <= TABLE_ROWS ? "" : ` (first ${TABLE_ROWS} of ${units.length})`}`,
        ["unit", "critical-path time", "spans", "cold starts", "group"],
        rows,
        [1, 2, 3],
      ),
      units.length > TABLE_ROWS && !showAll
        ? h(
            "button",
            {
              type: "button",
              onclick: () => {
                showAll = true;
                drawTable();
              },
            },
            `Show all ${units.length} units`,
          )
        : null,
    );
  };

  main.replaceChildren(
    h("h1", {}, "Service graph"),
    h(
      "div",
      { class: "controls" },
      h("label", { for: "unit-search" }, "Find a unit "),
      searchBox,
      datalist,
      list.proposals.length ? proposalPicker : h("span", { class: "muted" }, "No proposal yet."),
      toggle,
      chosen
        ? h("a", { href: `#/proposals/${chosen.proposal.id}` }, `Open proposal ${chosen.proposal.id}`)
        : null,
      clear,
    ),
    summary,
    h(
      "div",
      { class: "graph-layout" },
      container,
      h(
        "div",
        {},
        info,
        h(
          "p",
          { class: "muted" },
          "Node area: critical-path time. Edge width: network time on critical paths. Colour: the group a unit is deployed in (grey: alone); coloured edges are calls the groups make in-process.",
        ),
      ),
    ),
    tableHolder,
  );
  renderer.resize();
  recolour();
  drawTable();
  const refreshTable = drawTable;
  for (const input of toggle.querySelectorAll("input")) input.addEventListener("change", refreshTable);
}
