/**
 * A deep synthetic trace for the analysis benchmark: one trace whose spans form a single chain, each
 * span the only child of the one before it, as a long synchronous call sequence through a few units
 * makes. Spans alternate SERVER (entering a unit) and CLIENT (the call out of it), and each CLIENT's
 * child is the SERVER span of the next unit (round robin over `units`), so every other parent → child
 * link is a CLIENT → SERVER hop; the last span is a CLIENT with no callee (a virtual hop to its
 * `server.address`). Every span has a little own time before and after its child and every hop a
 * network delay on both sides, so the critical path runs through all spans and each of them has two
 * sections on it. Deterministic: the PRNG of bench/synth.ts, times in integer nanoseconds.
 */
import { Kind, Rng, SYNTH_BASE_NS, type SyntheticSpan, type SyntheticTrace } from "./synth.ts";

export interface ChainOptions {
  spans: number;
  seed: number;
  /** Units the chain passes through, round robin. Default 4. */
  units?: number;
  startNs?: bigint;
}

const HTTP = "@opentelemetry/instrumentation-http";
const us = (n: number) => Math.round(n * 1000);

export function chainUnit(i: number): string {
  return `chain-${i}`;
}

/** The chain as one trace (build it once and encode it; 100,000 spans take a few tens of MiB). */
export function chainTrace(opts: ChainOptions): SyntheticTrace {
  const rng = new Rng(opts.seed);
  const units = opts.units ?? 4;
  const traceId = rng.id(16);
  const spans: SyntheticSpan[] = [];
  /** Offsets from the trace start: starts going down, ends filled in going back up. */
  const start: number[] = [];
  let at = 0;
  for (let i = 0; i < opts.spans; i++) {
    const server = i % 2 === 0;
    const unit = chainUnit(Math.floor(i / 2) % units);
    const route = `/step/${Math.floor(i / 2) % 16}`;
    const callee = chainUnit((Math.floor(i / 2) + 1) % units);
    spans.push({
      spanId: rng.id(8),
      parentSpanId: i === 0 ? undefined : spans[i - 1].spanId,
      service: unit,
      scope: HTTP,
      name: server ? `GET ${route}` : "GET",
      kind: server ? Kind.SERVER : Kind.CLIENT,
      startNs: 0n,
      endNs: 0n,
      attributes: server
        ? {
            "http.request.method": "GET",
            "url.path": route,
            "url.scheme": "http",
            "http.route": route,
            "http.response.status_code": 200,
            "server.address": unit,
            "server.port": 8080,
          }
        : {
            "http.request.method": "GET",
            "url.full": `http://${callee}:8080${route}`,
            "server.address": callee,
            "server.port": 8080,
            "http.response.status_code": 200,
          },
      status: { code: 0 },
      flags: i === 0 || server ? 0x301 : 0x101,
    });
    start.push(at);
    // Before the next span starts: the server's own work, or the request's way over the network.
    at += server ? us(rng.uniform(2, 8)) : us(rng.uniform(5, 20));
  }
  let end = at;
  for (let i = opts.spans - 1; i >= 0; i--) {
    const server = i % 2 === 0;
    // After the child ended: the server's own work, or the response's way back.
    end += server ? us(rng.uniform(2, 8)) : us(rng.uniform(5, 20));
    const t0 = opts.startNs ?? SYNTH_BASE_NS;
    spans[i].startNs = t0 + BigInt(start[i]);
    spans[i].endNs = t0 + BigInt(end);
  }
  return { traceId, spans };
}
