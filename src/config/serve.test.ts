import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { NanofuseError } from "../errors.ts";
import { loadClientConfig } from "./client.ts";
import { addSchemaOptions, flagOf } from "./options.ts";
import { loadServeConfig, SERVE_SCHEMA } from "./serve.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-config-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(NanofuseError);
    expect((error as NanofuseError).code).toBe("NF_CONFIG_INVALID");
    return (error as Error).message;
  }
  throw new Error("expected NF_CONFIG_INVALID");
}

describe("serve configuration", () => {
  it("picks the deployment's applier: none by default, a manifest file or a webhook, and refuses anything else", async () => {
    expect((await loadServeConfig({}, {})).applier).toEqual({ kind: "none" });
    expect((await loadServeConfig({ applier: "file:deploy/manifest.json" }, {})).applier).toEqual({
      kind: "file",
      target: "deploy/manifest.json",
    });
    const webhook = await loadServeConfig(
      {},
      { NANOFUSE_APPLIER: "webhook:https://deploy.example/apply", NANOFUSE_APPLIER_SECRET: "s3cret" },
    );
    expect(webhook).toMatchObject({
      applier: { kind: "webhook", target: "https://deploy.example/apply" },
      applierSecret: "s3cret",
    });
    expect(await refusal(loadServeConfig({ applier: "ftp:somewhere" }, {}))).toMatch(
      /expected none, file:<path> or webhook:<url>/,
    );
    expect(await refusal(loadServeConfig({ applier: "webhook:deploy.example" }, {}))).toMatch(
      /http\(s\) URL/,
    );
  });

  it("has the documented defaults: API on 127.0.0.1:8080, OTLP on 127.0.0.1:4318, the embedded store", async () => {
    const config = await loadServeConfig({}, {});
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      otlpHost: "127.0.0.1",
      otlpPort: 4318,
      store: ".nanofuse",
      otlpAuth: "none",
    });
    expect(config.seed).toMatch(/fixtures[\\/]shop-baseline\.otlp\.jsonl\.gz$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("takes a flag over the environment, the environment over the file, the file over the default", async () => {
    const path = file("serve.yaml", "port: 9000\notlpPort: 9001\nscope: from-file\n");
    const config = await loadServeConfig(
      { config: path, port: "7000" },
      { NANOFUSE_PORT: "8000", NANOFUSE_OTLP_PORT: "8001", DATABASE_URL: "postgres://db.example/nanofuse" },
    );
    expect(config).toMatchObject({
      port: 7000,
      otlpPort: 8001,
      scope: "from-file",
      store: "postgres://db.example/nanofuse",
    });
    const viaEnv = await loadServeConfig({}, { NANOFUSE_CONFIG: path });
    expect(viaEnv.port).toBe(9000);
  });

  it("reads JSON config files too, and `none` turns the seed off", async () => {
    const config = await loadServeConfig(
      { config: file("serve.json", '{"seed": "none", "windowS": 30}') },
      {},
    );
    expect(config).toMatchObject({ seed: null, windowS: 30 });
  });

  it("names where a bad value came from", async () => {
    expect(await refusal(loadServeConfig({ port: "99999" }, {}))).toContain(
      "--port: expected an integer from 0 to 65535",
    );
    expect(await refusal(loadServeConfig({}, { NANOFUSE_OTLP_AUTH: "maybe" }))).toContain(
      "NANOFUSE_OTLP_AUTH: expected one of none, token",
    );
    const typo = file("typo.yaml", "prot: 9000\n");
    expect(await refusal(loadServeConfig({ config: typo }, {}))).toContain(`${typo}: prot: unknown option`);
    const nested = file("nested.yaml", "port:\n  api: 1\n");
    expect(await refusal(loadServeConfig({ config: nested }, {}))).toContain("expected a single value");
    const list = file("list.yaml", "- 1\n- 2\n");
    expect(await refusal(loadServeConfig({ config: list }, {}))).toContain("expected an object");
    expect(await refusal(loadServeConfig({ config: join(dir, "missing.yaml") }, {}))).toContain(
      "cannot be read (ENOENT)",
    );
    expect(await refusal(loadServeConfig({ windowS: "0" }, {}))).toContain("--window-s");
  });

  it("gives `serve --help` one line per option with its flag, variable and default", () => {
    const help = addSchemaOptions(new Command("serve"), SERVE_SCHEMA).helpInformation().replace(/\s+/g, " ");
    for (const [key, spec] of Object.entries(SERVE_SCHEMA)) {
      const shown =
        "show" in spec && spec.show
          ? (spec.show as (v: unknown) => string)(spec.default)
          : String(spec.default);
      expect(help).toContain(`${flagOf(key)} ${spec.value}`);
      expect(help).toContain(`[${spec.env}; default ${shown}]`);
    }
  });
});

describe("client configuration", () => {
  it("finds the API at NANOFUSE_URL with NANOFUSE_TOKEN unless flags say otherwise", () => {
    expect(loadClientConfig({}, {})).toEqual({ url: "http://127.0.0.1:8080", token: null });
    expect(
      loadClientConfig({}, { NANOFUSE_URL: "https://nanofuse.example/", NANOFUSE_TOKEN: "nf_x" }),
    ).toEqual({
      url: "https://nanofuse.example",
      token: "nf_x",
    });
    expect(
      loadClientConfig({ url: "http://127.0.0.1:9999" }, { NANOFUSE_URL: "https://nanofuse.example" }).url,
    ).toBe("http://127.0.0.1:9999");
  });

  it("refuses a URL that is not http or https", async () => {
    expect(await refusal(() => loadClientConfig({}, { NANOFUSE_URL: "ftp://x" }))).toContain(
      "NANOFUSE_URL: expected an http",
    );
  });
});
