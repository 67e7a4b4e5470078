/**
 * Learns an app's name, entry and units by loading it in a child process: the supervisor never
 * imports an app itself, so an app that loops or waits at import holds up only that child, which
 * the start timeout (or an abort) ends.
 */
import { NanofuseError } from "../errors.ts";
import { GroupChild } from "./group-child.ts";
import { DEFAULT_RUNTIME_OPTIONS } from "./options.ts";
import type { AppOutline } from "./protocol.ts";

export async function inspectApp(
  appPath: string,
  source: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<AppOutline> {
  const child = new GroupChild({ group: "app", units: [], appPath, runtime: DEFAULT_RUNTIME_OPTIONS });
  const abort = () => child.kill();
  signal?.addEventListener("abort", abort, { once: true });
  try {
    return (await child.request({ type: "inspect", appPath }, "app", timeoutMs)).app;
  } catch (error) {
    if (!child.alive || !(error instanceof NanofuseError) || error.code !== "NF_HOST_START_FAILED")
      throw error;
    throw new NanofuseError(
      "NF_HOST_START_FAILED",
      `${source}: loading the app did not finish in ${timeoutMs} ms (does it loop or wait at import? --start-timeout-ms gives it longer)`,
    );
  } finally {
    signal?.removeEventListener("abort", abort);
    await child.stop(1000);
  }
}
