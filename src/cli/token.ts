/**
 * `nanofuse token create|list|revoke`: API tokens in the configured store (`--store`, else
 * DATABASE_URL, else ./.nanofuse/). `create` prints the token alone on stdout, so a script can take it
 * (`export NANOFUSE_TOKEN=$(nanofuse token create --role approver)`); the store keeps only its hash.
 */
import { Command, Option } from "commander";
import { ROLES } from "../api/auth.ts";
import { NanofuseError } from "../errors.ts";
import type { TokenRecord, TokenRole } from "../store/store.ts";
import type { CommandState } from "./command-state.ts";
import { LISTINGS } from "./commands.ts";
import { table } from "./format.ts";
import { withStore } from "./store-option.ts";

const storeOption = () =>
  new Option(
    "--store <location>",
    "postgres://… or a PGlite directory (default: DATABASE_URL, else ./.nanofuse/)",
  );

const when = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 19) : "-");

function listText(tokens: TokenRecord[]): string {
  if (tokens.length === 0) return "no tokens\n";
  const rows = tokens.map((t) => [
    t.id,
    t.role,
    t.name,
    when(t.createdAt),
    when(t.lastUsedAt),
    when(t.revokedAt),
  ]);
  return `${table([["id", "role", "name", "created (UTC)", "last used", "revoked"], ...rows]).join("\n")}\n`;
}

export function tokenCommand(_state: CommandState): Command {
  const command = new Command("token").description(LISTINGS.token.description);
  command
    .command("create")
    .description("Creates a token and prints it alone on stdout (it is not shown again)")
    .addOption(new Option("--role <role>", "what the token may do").choices(ROLES).makeOptionMandatory())
    .option("--name <name>", "who or what uses it (shown in the audit trail)")
    .addOption(storeOption())
    .action(async (opts: { role: TokenRole; name?: string; store?: string }) => {
      const { token } = await withStore(opts.store, (store) =>
        store.tokens.create({ name: opts.name ?? opts.role, role: opts.role, at: new Date() }),
      );
      process.stdout.write(`${token}\n`);
    });
  command
    .command("list")
    .description("Tokens with their role and use, never their secrets")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(storeOption())
    .action(async (opts: { format: "text" | "json"; store?: string }) => {
      const tokens = await withStore(opts.store, (store) => store.tokens.list());
      process.stdout.write(
        opts.format === "json" ? `${JSON.stringify(tokens, null, 2)}\n` : listText(tokens),
      );
    });
  command
    .command("revoke")
    .description("Revokes a token: it is refused from then on")
    .argument("<id>", "the token's id (`token list`; also the part after nf_)")
    .addOption(storeOption())
    .action(async (id: string, opts: { store?: string }) => {
      const record = await withStore(opts.store, (store) => store.tokens.revoke(id, new Date()));
      if (!record) throw new NanofuseError("NF_TOKEN_INVALID", `no token with id ${id}`);
      process.stdout.write(
        `revoked ${record.id} (${record.role}, ${record.name}) at ${when(record.revokedAt)}\n`,
      );
    });
  return command;
}
