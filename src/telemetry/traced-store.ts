/**
 * A store whose every call is a span (issue 14, self-telemetry): `store.<area>.<method>`, with the
 * database semantic conventions. On PostgreSQL the span is CLIENT with `db.system` postgresql, the
 * network call it is; PGlite runs in this process, so its calls are INTERNAL. Failures are recorded
 * on the span and rethrown unchanged. Without a started SDK the API's tracer is a no-op.
 */
import { type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Store } from "../store/store.ts";

const AREAS = ["aggregates", "proposals", "rollouts", "tokens", "catalogs"] as const;

function traced<T extends object>(target: T, prefix: string, backend: Store["backend"]): T {
  const tracer = trace.getTracer("nanofuse");
  const kind = backend === "postgres" ? SpanKind.CLIENT : SpanKind.INTERNAL;
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== "function" || typeof key !== "string") return value;
      const name = `${prefix}.${key}`;
      return (...args: unknown[]) =>
        tracer.startActiveSpan(name, { kind, attributes: attributes(backend, name) }, async (span: Span) => {
          try {
            return await value.apply(object, args);
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
            throw error;
          } finally {
            span.end();
          }
        });
    },
  });
}

function attributes(backend: Store["backend"], operation: string): Record<string, string> {
  return backend === "postgres"
    ? { "db.system": "postgresql", "db.system.name": "postgresql", "db.operation.name": operation }
    : { "db.system.name": "pglite", "db.operation.name": operation };
}

/** The same store, each call of its areas traced; `tryLease`, `ping` and `close` too. */
export function tracedStore(store: Store): Store {
  const areas = Object.fromEntries(
    AREAS.map((area) => [area, traced(store[area], `store.${area}`, store.backend)]),
  );
  const own = traced(store, "store", store.backend);
  return new Proxy(store, {
    get(_store, key) {
      if (typeof key === "string" && key in areas) return areas[key];
      return Reflect.get(own, key);
    },
  });
}
