/**
 * `nanofuse serve` put together: the store, the live pipeline, the API and the OTLP/HTTP receiver,
 * and the one background loop that cuts idle traces every second, writes windows every `flushS` and
 * plans every `planS`. The loop never dies silently: a failed step is reported and counted, and the
 * next tick tries again (style 8). This is the only module that picks concrete adapters for serving.
 */
import type { FastifyInstance } from "fastify";
import { buildApi } from "../api/app.ts";
import { type Applier, createApplier } from "../apply/index.ts";
import { PACKAGE_ROOT } from "../config/package-root.ts";
import type { ServeConfig } from "../config/serve.ts";
import { NanofuseError } from "../errors.ts";
import { LivePipeline } from "../pipeline/live.ts";
import { RolloutController } from "../pipeline/rollouts.ts";
import { isEmptyStore, type SeedResult, seedStore } from "../pipeline/seed.ts";
import { defaultCatalog, loadCatalog } from "../plan/catalog.ts";
import { buildReceiver } from "../receiver/app.ts";
import { describeLocation, parseStoreLocation } from "../store/location.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";

export interface RunningServer {
  apiUrl: string;
  otlpUrl: string;
  store: Store;
  storeDescription: string;
  pipeline: LivePipeline;
  /** The seed replayed into an empty store on this start, if any. */
  seeded: SeedResult | null;
  /** An admin token created because the store had none (shown once). */
  firstToken: string | null;
  /** Failed background steps so far. */
  failures(): number;
  stop(): Promise<void>;
}

const TICK_MS = 1000;

export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

function urlOf(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === "string") return String(address);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Refuses a non-loopback listener on a store without any token: anyone could approve proposals. */
async function tokensOrRefuse(store: Store, config: ServeConfig): Promise<boolean> {
  const active = (await store.tokens.list()).filter((t) => t.revokedAt === null);
  const exposed = [config.host, config.otlpHost].filter((h) => !isLoopback(h));
  if (exposed.length && active.length === 0)
    throw new NanofuseError(
      "NF_LISTEN_REFUSED",
      `${exposed.join(" and ")} is reachable from other machines and the store has no API token, so anyone could act on proposals; create one first (nanofuse token create --role admin) or listen on 127.0.0.1`,
    );
  return active.length > 0;
}

export async function startServer(
  config: ServeConfig,
  log: (line: string) => void,
  clock = () => new Date(),
  wrapStore: (store: Store) => Store = (store) => store,
): Promise<RunningServer> {
  const store = wrapStore(await openStore(config.store));
  try {
    return await serve(store, config, log, clock);
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function serve(
  store: Store,
  config: ServeConfig,
  log: (line: string) => void,
  clock: () => Date,
): Promise<RunningServer> {
  const hasTokens = await tokensOrRefuse(store, config);
  const firstToken = hasTokens
    ? null
    : (await store.tokens.create({ name: "first start", role: "admin", at: clock() })).token;
  let seeded: SeedResult | null = null;
  if (config.seed && (await isEmptyStore(store))) {
    const catalog = config.seedCatalog ? await loadCatalog(config.seedCatalog) : defaultCatalog();
    seeded = await seedStore(store, [config.seed], { catalog, windowUs: config.windowS * 1e6, at: clock() });
  }
  const pipeline = new LivePipeline(store, {
    scope: config.scope,
    windowUs: config.windowS * 1e6,
    buffer: { idleUs: config.idleMs * 1000, maxBufferedSpans: config.maxBufferedSpans },
    catalog: config.catalog ? await loadCatalog(config.catalog) : defaultCatalog(),
    planMinTraces: config.planMinTraces,
    planMaxTraces: config.planMaxTraces,
  });
  await pipeline.start();

  const applier = applierOf(config);
  let ready = false;
  const api = await buildApi(
    { store, clock, ready: () => ready, applier, webDir: `${PACKAGE_ROOT}dist/web` },
    {
      bodyLimit: config.apiBodyLimit,
      writeRateLimit: config.writeRateLimit,
      readCacheMs: config.apiReadCacheMs,
      logLevel: config.logLevel,
    },
  );
  const receiver = await buildReceiver(
    { intake: pipeline, clock, tokens: store.tokens },
    {
      bodyLimit: config.otlpBodyLimit,
      rateLimit: config.otlpRateLimit,
      maxEventLoopDelayMs: config.maxEventLoopDelayMs,
      auth: config.otlpAuth,
      logLevel: config.logLevel,
    },
  );
  await api.listen({ host: config.host, port: config.port });
  try {
    await receiver.listen({ host: config.otlpHost, port: config.otlpPort });
  } catch (error) {
    await api.close();
    throw error;
  }

  const loop = backgroundLoop(pipeline, new RolloutController(store, applier), config, log, clock);
  ready = true;
  return {
    apiUrl: urlOf(api),
    otlpUrl: `${urlOf(receiver)}/v1/traces`,
    store,
    storeDescription: describeLocation(parseStoreLocation(config.store)),
    pipeline,
    seeded,
    firstToken,
    failures: () => loop.failures,
    async stop() {
      ready = false;
      await receiver.close();
      await loop.stop();
      await pipeline
        .drain(clock())
        .catch((error) => log(`nanofuse: the last windows were not written: ${(error as Error).message}`));
      await api.close();
      await store.close();
    },
  };
}

/** The deployment's applier, from the configuration (NF_APPLY_CONFIG_INVALID when it does not hold). */
function applierOf(config: ServeConfig): Applier | null {
  const choice = config.applier;
  if (choice.kind === "none") return null;
  if (choice.kind === "file") return createApplier({ kind: "file", path: choice.target });
  if (!config.applierSecret)
    throw new NanofuseError("NF_APPLY_CONFIG_INVALID", "a webhook applier needs NANOFUSE_APPLIER_SECRET");
  return createApplier({ kind: "webhook", url: choice.target, secret: config.applierSecret });
}

function backgroundLoop(
  pipeline: LivePipeline,
  rollouts: RolloutController,
  config: ServeConfig,
  log: (line: string) => void,
  clock: () => Date,
) {
  let lastFlush = clock().getTime();
  let lastPlan = lastFlush;
  let running: Promise<void> = Promise.resolve();
  const state = { failures: 0 };
  const step = async () => {
    const now = clock();
    pipeline.cut(now.getTime() * 1000);
    if (now.getTime() - lastFlush >= config.flushS * 1000) {
      lastFlush = now.getTime();
      await pipeline.flush(now);
      for (const run of await rollouts.judgeInProgress(now)) {
        if (run.judgement.verdict === "keep_collecting" && run.acted === "none") continue;
        const acted = run.acted === "none" ? "waiting for a person" : run.acted.replace("_", " ");
        log(
          `nanofuse: rollout ${run.rolloutId} of proposal ${run.proposalId}: ${run.judgement.verdict} (${acted}): ${run.judgement.explanation}`,
        );
      }
      if (now.getTime() - lastPlan >= config.planS * 1000) {
        lastPlan = now.getTime();
        const result = await pipeline.plan(now);
        if (result?.created)
          log(
            `nanofuse: new proposal ${result.proposal.id} (scope ${result.proposal.scope}, version ${result.proposal.version})`,
          );
      }
    }
  };
  const timer = setInterval(() => {
    // One step at a time: a slow store write delays the next tick instead of overlapping it.
    running = running.then(step).catch((error) => {
      state.failures++;
      const code = error instanceof NanofuseError ? error.code : "NF_INTERNAL";
      log(`nanofuse: background step failed (${code}): ${(error as Error).message}`);
    });
  }, TICK_MS);
  return {
    get failures() {
      return state.failures;
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
