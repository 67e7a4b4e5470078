/**
 * A writer process for the crash test: commits one-trace batches to a store, resuming from the
 * stored progress, and prints each committed offset. Usage: crash-writer <store> <batches> [sleep ms]
 */
import { setTimeout as sleep } from "node:timers/promises";
import { openStore } from "../../src/store/open.ts";
import { crashBatchWindow } from "./crash-batch.ts";

const [location, batches, sleepMs = "0"] = process.argv.slice(2);
const store = await openStore(location);
const [progress] = await store.aggregates.progress("crash");
let revision = progress?.revision ?? 0;
for (let i = Number(progress?.offset ?? 0); i < Number(batches); i++) {
  const next = await store.aggregates.commit({
    source: "crash",
    partition: 0,
    windowUs: 1000,
    windows: [crashBatchWindow(i)],
    progress: { offset: String(i + 1) },
    expectedRevision: revision,
    at: new Date(0),
  });
  revision = next.revision;
  process.stdout.write(`committed ${i + 1}\n`);
  if (Number(sleepMs)) await sleep(Number(sleepMs));
}
await store.close();
