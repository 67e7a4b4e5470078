/**
 * A short-lived cache of proposal reads for the API (micro-caching): a dashboard polling
 * `GET /api/proposals` at hundreds of requests a second then costs one store query per `ttlMs`
 * (default 1 s) instead of one per request, which on the embedded store (PGlite runs in this
 * process's event loop) is most of a request's time. A change made through this API forgets
 * everything at once, so its author reads it back at once; a change made elsewhere (the planner, a
 * second server on the same PostgreSQL) shows within `ttlMs`. Writes are never cached: they name the
 * revision they were decided on, and the store checks it.
 */
import type { ProposalFilter, ProposalStore, Store } from "../store/store.ts";

export const DEFAULT_READ_CACHE_MS = 1000;

export function cachingProposalReads(store: Store, clock: () => Date, ttlMs = DEFAULT_READ_CACHE_MS): Store {
  if (ttlMs <= 0) return store;
  const inner = store.proposals;
  const entries = new Map<string, { until: number; value: Promise<unknown> }>();
  const cached = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    const now = clock().getTime();
    const hit = entries.get(key);
    if (hit && hit.until > now) return hit.value as Promise<T>;
    const value = load();
    entries.set(key, { until: now + ttlMs, value });
    // A failed read is not remembered: the next request asks the store again.
    value.catch(() => entries.delete(key));
    return value;
  };
  const proposals: ProposalStore = {
    list: (filter: ProposalFilter = {}) => cached(`list ${JSON.stringify(filter)}`, () => inner.list(filter)),
    get: (id) => cached(`get ${id}`, () => inner.get(id)),
    audit: (id) => inner.audit(id),
    exemplars: (id) => inner.exemplars(id),
    exemplarTrace: (traceId) => inner.exemplarTrace(traceId),
    async propose(input) {
      entries.clear();
      return inner.propose(input);
    },
    async transition(id, request) {
      try {
        return await inner.transition(id, request);
      } finally {
        entries.clear();
      }
    },
  };
  return { ...store, proposals };
}
