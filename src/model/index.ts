export * from "./call-tree.ts";
export * from "./span.ts";
export * from "./trace.ts";
