/**
 * API tokens: `nf_<id>_<secret>`, 32 random bytes of secret. Only a salted sha256 of the secret is
 * stored; a slow password hash would add nothing against a 256-bit random secret and would cost every
 * API request. The public id makes a lookup one primary-key read; the hash compare is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { NanofuseError } from "../../errors.ts";
import type { Sql } from "../sql.ts";
import type { TokenRecord, TokenRole, TokenStore } from "../store.ts";

const ROLES: ReadonlySet<TokenRole> = new Set(["viewer", "approver", "admin"]);
const TOKEN = /^nf_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is rewritten at most this often, so reads under load do not turn into writes. */
const TOUCH_EVERY_MS = 60_000;

const hashOf = (salt: string, secret: string) =>
  createHash("sha256").update(salt).update(secret).digest("hex");

interface TokenRow {
  id: string;
  name: string;
  role: TokenRole;
  salt: string;
  hash: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toRecord = (r: TokenRow): TokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export function tokenStore(sql: Sql): TokenStore {
  return {
    async create({ name, role, at }) {
      if (!ROLES.has(role))
        throw new NanofuseError(
          "NF_TOKEN_INVALID",
          `role ${JSON.stringify(role)} is not viewer, approver or admin`,
        );
      if (typeof name !== "string" || name === "")
        throw new NanofuseError("NF_TOKEN_INVALID", "a token needs a name");
      const id = randomBytes(8).toString("hex");
      const secret = randomBytes(32).toString("base64url");
      const salt = randomBytes(16).toString("hex");
      const [row] = await sql.query<TokenRow>(
        "insert into api_tokens (id, name, role, salt, hash, created_at) values ($1, $2, $3, $4, $5, $6) returning *",
        [id, name, role, salt, hashOf(salt, secret), at],
      );
      return { token: `nf_${id}_${secret}`, record: toRecord(row) };
    },

    async verify(token, at) {
      const m = typeof token === "string" ? TOKEN.exec(token) : null;
      if (!m) return { ok: false, reason: "malformed" };
      const [row] = await sql.query<TokenRow>("select * from api_tokens where id = $1", [m[1]]);
      if (!row) return { ok: false, reason: "unknown" };
      const match = timingSafeEqual(Buffer.from(hashOf(row.salt, m[2]), "hex"), Buffer.from(row.hash, "hex"));
      if (!match) return { ok: false, reason: "unknown" };
      if (row.revoked_at) return { ok: false, reason: "revoked" };
      if (!row.last_used_at || at.getTime() - row.last_used_at.getTime() >= TOUCH_EVERY_MS) {
        await sql.query("update api_tokens set last_used_at = $1 where id = $2", [at, row.id]);
        row.last_used_at = at;
      }
      return { ok: true, token: toRecord(row) };
    },

    async list() {
      const rows = await sql.query<TokenRow>("select * from api_tokens order by created_at, id");
      return rows.map(toRecord);
    },

    async revoke(id, at) {
      const [row] = await sql.query<TokenRow>(
        "update api_tokens set revoked_at = coalesce(revoked_at, $1) where id = $2 returning *",
        [at, id],
      );
      return row ? toRecord(row) : null;
    },
  };
}
