/** Read routes over the stored windows: units, the service graph, edges with critical-path figures, windows. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { type WindowAggregate, WindowedAggregates } from "../../analyse/aggregates.ts";
import { type AnalysisResult, withServiceGraph } from "../../analyse/analyser.ts";
import { edgeReports, unitReports } from "../../analyse/report.ts";
import type { Store, WindowQuery } from "../../store/store.ts";
import { EdgeReport, errorResponses, UnitReport, WindowRange, WindowSummary } from "../schemas.ts";

const queryOf = (q: { fromUs?: number; toUs?: number; source?: string[] }): WindowQuery => ({
  fromUs: q.fromUs,
  toUs: q.toUs,
  sources: q.source,
});

/** The stored total as the analysis the report functions read (cold starts are in the units' figures). */
function analysisOf(total: WindowAggregate): AnalysisResult {
  return withServiceGraph({ windows: new WindowedAggregates(), total, paths: [], coldStarts: 0 });
}

export const analysisRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  const tags = ["analysis"];

  app.get(
    "/units",
    {
      schema: {
        tags,
        summary: "Units seen in the windows, by critical-path time",
        querystring: WindowRange,
        response: { 200: Type.Object({ units: Type.Array(UnitReport) }), ...errorResponses },
      },
    },
    async (request) => {
      const [total, seen] = await Promise.all([
        store.aggregates.total(queryOf(request.query)),
        store.aggregates.units(),
      ]);
      const windows = new Map(seen.map((u) => [u.unit, u]));
      const units = unitReports(analysisOf(total)).map((u) => ({
        ...u,
        firstWindowUs: windows.get(u.unit)?.firstWindowUs ?? null,
        lastWindowUs: windows.get(u.unit)?.lastWindowUs ?? null,
      }));
      return { units };
    },
  );

  app.get(
    "/graph",
    {
      schema: {
        tags,
        summary: "The service graph: units and the calls between them",
        querystring: WindowRange,
        response: {
          200: Type.Object({
            nodes: Type.Array(Type.Omit(UnitReport, ["firstWindowUs", "lastWindowUs"])),
            links: Type.Array(Type.Pick(EdgeReport, ["from", "to", "calls", "criticalPathNetworkUs"])),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const analysis = analysisOf(await store.aggregates.total(queryOf(request.query)));
      const links = edgeReports(analysis).map(({ from, to, calls, criticalPathNetworkUs }) => ({
        from,
        to,
        calls,
        criticalPathNetworkUs,
      }));
      return { nodes: unitReports(analysis), links };
    },
  );

  app.get(
    "/edges",
    {
      schema: {
        tags,
        summary: "Calls between units with their network time and its share on critical paths",
        querystring: WindowRange,
        response: { 200: Type.Object({ edges: Type.Array(EdgeReport) }), ...errorResponses },
      },
    },
    async (request) => ({
      edges: edgeReports(analysisOf(await store.aggregates.total(queryOf(request.query)))),
    }),
  );

  app.get(
    "/windows",
    {
      schema: {
        tags,
        summary: "Stored aggregate windows, by start",
        querystring: WindowRange,
        response: { 200: Type.Object({ windows: Type.Array(WindowSummary) }), ...errorResponses },
      },
    },
    async (request) => ({ windows: await store.aggregates.list(queryOf(request.query)) }),
  );
};
