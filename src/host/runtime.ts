/** One group's runtime: its invoker and dispatcher wired to each other, and what /healthz reports. */
import type { Tracer } from "@opentelemetry/api";
import { Activity } from "./activity.ts";
import { Dispatcher, type Routes } from "./dispatch.ts";
import { Invoker } from "./invoke.ts";
import type { RuntimeOptions } from "./options.ts";
import type { App } from "./types.ts";

export class GroupRuntime {
  readonly activity = new Activity();
  readonly invoker: Invoker;
  readonly dispatcher: Dispatcher;
  private routed = false;

  constructor(
    readonly group: string,
    readonly units: readonly string[],
    app: App,
    tracer: Tracer,
    options: RuntimeOptions,
  ) {
    const local = new Set(units);
    this.dispatcher = new Dispatcher({
      tracer,
      options,
      activity: this.activity,
      isLocal: (unit) => local.has(unit),
      local: (unit, input, parent, trigger) => this.invoker.invoke(unit, input, parent, trigger),
    });
    this.invoker = new Invoker({
      app,
      units: local,
      tracer,
      options,
      activity: this.activity,
      calls: this.dispatcher,
    });
  }

  /** Ready once it knows where every other unit runs. */
  get ready(): boolean {
    return this.routed;
  }

  setRoutes(routes: Routes): void {
    this.dispatcher.setRoutes(routes);
    this.routed = true;
  }

  health() {
    return {
      group: this.group,
      units: this.units,
      ready: this.routed,
      inFlight: this.activity.inFlight,
      started: this.activity.started,
      failedSends: this.dispatcher.failedSends,
    };
  }
}
