/**
 * Whether this code runs from the TypeScript sources (through tsx or vitest) rather than compiled
 * into dist/: esbuild puts this module into a `.js` chunk, so the answer follows the file it is in.
 */
export const RUNNING_SOURCES = import.meta.url.endsWith(".ts");
