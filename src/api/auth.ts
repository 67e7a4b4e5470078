/**
 * Bearer tokens with roles (viewer < approver < admin), checked against the store, where only their
 * salted hashes are kept. A verified token is remembered for `cacheMs` (default 5 s) under its SHA-256,
 * so a busy dashboard does not cost a store round trip per request; a revocation through this server
 * forgets them all at once, one made elsewhere takes effect within `cacheMs`.
 */
import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { NanofuseError } from "../errors.ts";
import type { TokenRecord, TokenRole, TokenStore } from "../store/store.ts";

export const ROLES: readonly TokenRole[] = ["viewer", "approver", "admin"];
const RANK: Record<TokenRole, number> = { viewer: 1, approver: 2, admin: 3 };

export interface Actor {
  tokenId: string;
  name: string;
  role: TokenRole;
}

/** The audit trail's actor: who, and through which token. */
export const actorName = (actor: Actor) => `${actor.name} (token ${actor.tokenId})`;

export const DEFAULT_AUTH_CACHE_MS = 5000;

export interface Authenticator {
  /** The actor of a request with at least `role`; throws NF_AUTH_* or NF_FORBIDDEN. */
  authenticate(request: FastifyRequest, role: TokenRole): Promise<Actor>;
  /** Forget remembered tokens (after a revocation). */
  forget(): void;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function bearerToken(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const match = BEARER.exec(Array.isArray(header) ? (header[0] ?? "") : header);
  if (!match)
    throw new NanofuseError("NF_AUTH_INVALID", "expected the header `Authorization: Bearer <token>`");
  return match[1];
}

export function createAuthenticator(
  tokens: TokenStore,
  clock: () => Date,
  cacheMs = DEFAULT_AUTH_CACHE_MS,
): Authenticator {
  const remembered = new Map<string, { record: TokenRecord; until: number }>();

  async function verify(token: string): Promise<TokenRecord> {
    const now = clock();
    const key = createHash("sha256").update(token).digest("base64");
    const hit = remembered.get(key);
    if (hit && hit.until > now.getTime()) return hit.record;
    const check = await tokens.verify(token, now);
    if (!check.ok) {
      remembered.delete(key);
      if (check.reason === "revoked") throw new NanofuseError("NF_AUTH_REVOKED");
      throw new NanofuseError("NF_AUTH_INVALID");
    }
    if (cacheMs > 0) remembered.set(key, { record: check.token, until: now.getTime() + cacheMs });
    return check.token;
  }

  return {
    async authenticate(request, role) {
      const token = bearerToken(request.headers.authorization);
      if (token === null) throw new NanofuseError("NF_AUTH_REQUIRED");
      const record = await verify(token);
      if (RANK[record.role] < RANK[role])
        throw new NanofuseError("NF_FORBIDDEN", `this needs the ${role} role, the token has ${record.role}`);
      return { tokenId: record.id, name: record.name, role: record.role };
    },
    forget() {
      remembered.clear();
    },
  };
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The least role a route needs (default viewer). */
    role?: TokenRole;
  }
  interface FastifyRequest {
    /** Who sent the request, once the token was checked. */
    actor: Actor | null;
  }
}
