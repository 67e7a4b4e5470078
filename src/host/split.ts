/**
 * Two layouts of one app side by side, for an A/B rollout: a host per variant (its spans carry
 * nanofuse.variant=control or candidate), behind one entry point that sends each request to the
 * candidate with probability `split` and to the control otherwise, from a seeded generator so a run
 * can be repeated. The answer is the variant's own (status and body), with `x-nanofuse-variant`
 * saying which one served it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { NanofuseError } from "../errors.ts";
import { seededRandom } from "../random.ts";
import { type HostOptions, type RunningHost, startHost } from "./supervisor.ts";

export type VariantName = "control" | "candidate";

export interface SplitHostOptions {
  control: HostOptions;
  candidate: HostOptions;
  /** Share of requests the candidate gets, [0, 1]. */
  split: number;
  /** Seed of the split's generator (default 1). */
  seed?: number;
}

export interface RunningSplitHost {
  /** `POST` a JSON body here: the request goes to one variant's entry unit. */
  entryUrl: string;
  hosts: Record<VariantName, RunningHost>;
  /** Requests sent to each variant so far. */
  sent(): Record<VariantName, number>;
  stop(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** The request's headers the entry unit reads: its content type, request id and trace context. */
function forwardedHeaders(request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = { "content-type": "application/json" };
  for (const name of ["content-type", "x-request-id", "traceparent", "tracestate"]) {
    const value = request.headers[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

export async function startSplitHost(options: SplitHostOptions): Promise<RunningSplitHost> {
  const { split } = options;
  if (!(typeof split === "number" && split >= 0 && split <= 1))
    throw new NanofuseError("NF_USAGE", `--split must be a share in [0, 1], got ${split}`);
  const control = await startHost({ ...options.control, variant: "control" });
  let candidate: RunningHost;
  try {
    candidate = await startHost({ ...options.candidate, variant: "candidate" });
  } catch (error) {
    await control.stop();
    throw error;
  }
  const hosts = { control, candidate };
  const random = seededRandom(options.seed ?? 1);
  const sent = { control: 0, candidate: 0 };

  const forward = async (request: IncomingMessage, response: ServerResponse) => {
    const variant: VariantName = random() < split ? "candidate" : "control";
    sent[variant]++;
    try {
      const body = await readBody(request);
      const answer = await fetch(hosts[variant].entryUrl, {
        method: "POST",
        headers: forwardedHeaders(request),
        body: new Uint8Array(body),
      });
      const bytes = Buffer.from(await answer.arrayBuffer());
      response.writeHead(answer.status, {
        "content-type": answer.headers.get("content-type") ?? "application/json",
        "x-nanofuse-variant": variant,
      });
      response.end(bytes);
    } catch (error) {
      response.writeHead(502, { "content-type": "application/json", "x-nanofuse-variant": variant });
      response.end(JSON.stringify({ error: { code: "NF_CALL_FAILED", message: String(error) } }));
    }
  };
  const server: Server = createServer((request, response) => {
    if (request.method !== "POST") {
      response.writeHead(405, { allow: "POST" }).end();
      return;
    }
    void forward(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    entryUrl: `http://127.0.0.1:${port}/`,
    hosts,
    sent: () => ({ ...sent }),
    stop() {
      stopping ??= (async () => {
        // No new requests; those in flight finish before the hosts drain.
        await new Promise((resolve) => server.close(resolve));
        await Promise.all([control.stop(), candidate.stop()]);
      })();
      return stopping;
    },
  };
}
