/** Where the terminal client finds the API: `--url`/`NANOFUSE_URL` and `--token`/`NANOFUSE_TOKEN`. */
import { httpUrl, type OptionSpec, type Resolved, resolveOptions } from "./options.ts";

export const CLIENT_SCHEMA = {
  url: {
    env: "NANOFUSE_URL",
    value: "<url>",
    description: "the nanofuse API",
    default: "http://127.0.0.1:8080",
    parse: httpUrl,
  } satisfies OptionSpec<string>,
  token: {
    env: "NANOFUSE_TOKEN",
    value: "<token>",
    description: "bearer token (`nanofuse token create`)",
    default: null,
    parse: (t: string) => t.trim(),
    show: () => "none",
  } satisfies OptionSpec<string | null>,
} as const;

export type ClientConfig = Resolved<typeof CLIENT_SCHEMA>;

export function loadClientConfig(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ClientConfig {
  return resolveOptions(CLIENT_SCHEMA, { flags, env });
}
