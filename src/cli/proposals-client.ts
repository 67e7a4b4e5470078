/**
 * The API as the terminal client reads it: the proposal reads of the store interface (so the same
 * formatting serves a store read directly and one read over HTTP), plus the changes, which only the
 * API makes (it names the token as the actor). Errors of the API come back as NanofuseErrors with the
 * server's code; an unreachable server is NF_API_UNAVAILABLE.
 */
import { catalogue, type ErrorCode, NanofuseError } from "../errors.ts";
import type {
  AuditEntry,
  ExemplarTrace,
  ProposalFilter,
  ProposalRecord,
  ProposalStore,
  ProposalSummary,
} from "../store/store.ts";

type Json = Record<string, unknown>;

const dates = <T>(o: Json, keys: string[]): T => {
  const out: Json = { ...o };
  for (const k of keys) if (typeof out[k] === "string") out[k] = new Date(out[k] as string);
  return out as T;
};
const summaryOf = (p: Json) => dates<ProposalSummary>(p, ["createdAt", "updatedAt"]);
const recordOf = (p: Json) => dates<ProposalRecord>(p, ["createdAt", "updatedAt"]);
const auditOf = (a: Json) => dates<AuditEntry>(a, ["at"]);

export type ProposalReader = Pick<ProposalStore, "list" | "get" | "audit" | "exemplars">;

export type Change =
  | { action: "approve"; reason?: string }
  | { action: "reject"; reason: string }
  | { action: "supersede"; reason?: string };

export class ApiClient implements ProposalReader {
  constructor(
    private readonly url: string,
    private readonly token: string | null,
  ) {}

  private async call(
    method: string,
    path: string,
    body?: Json,
    headers: Record<string, string> = {},
  ): Promise<Json> {
    const init: RequestInit = { method, headers: { accept: "application/json", ...headers } };
    if (this.token) (init.headers as Record<string, string>).authorization = `Bearer ${this.token}`;
    if (body) {
      (init.headers as Record<string, string>)["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, init);
    } catch (error) {
      throw new NanofuseError(
        "NF_API_UNAVAILABLE",
        `${this.url}: ${(error as Error).cause ?? (error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const text = await response.text();
    let doc: Json;
    try {
      doc = text ? (JSON.parse(text) as Json) : {};
    } catch {
      throw new NanofuseError(
        "NF_API_UNAVAILABLE",
        `${this.url}${path} answered ${response.status} without JSON`,
      );
    }
    if (!response.ok) {
      const error = (doc.error ?? {}) as { code?: string; message?: string };
      const code = (error.code && error.code in catalogue ? error.code : "NF_INTERNAL") as ErrorCode;
      // The server's message already starts with the catalogue's text; keep it whole as the detail.
      throw new NanofuseError(
        code,
        `${response.status} from ${path}: ${error.message ?? text.slice(0, 200)}`,
      );
    }
    return doc;
  }

  async list(filter: ProposalFilter = {}): Promise<ProposalSummary[]> {
    const query = new URLSearchParams();
    for (const state of filter.states ?? []) query.append("state", state);
    if (filter.scope) query.set("scope", filter.scope);
    if (filter.limit) query.set("limit", String(filter.limit));
    if (filter.beforeId) query.set("before", String(filter.beforeId));
    const doc = await this.call("GET", `/api/proposals${query.size ? `?${query}` : ""}`);
    return (doc.proposals as Json[]).map(summaryOf);
  }

  async get(id: number): Promise<ProposalRecord | null> {
    try {
      return recordOf((await this.call("GET", `/api/proposals/${id}`)).proposal as Json);
    } catch (error) {
      if (error instanceof NanofuseError && error.code === "NF_PROPOSAL_NOT_FOUND") return null;
      throw error;
    }
  }

  async audit(id: number): Promise<AuditEntry[]> {
    return ((await this.call("GET", `/api/proposals/${id}/audit`)).audit as Json[]).map(auditOf);
  }

  async exemplars(id: number): Promise<ExemplarTrace[]> {
    return (await this.call("GET", `/api/proposals/${id}/traces`)).traces as ExemplarTrace[];
  }

  /** The rollout of a proposal as GET /api/proposals/{id}/rollout gives it (JSON as sent). */
  async rollout(id: number): Promise<Json> {
    return this.call("GET", `/api/proposals/${id}/rollout`);
  }

  /** POSTs a rollout action (rollout, promote, rollback) decided on `revision`. */
  async rolloutAction(
    id: number,
    action: "rollout" | "promote" | "rollback",
    revision: number,
    body: Json,
  ): Promise<ProposalRecord> {
    const doc = await this.call("POST", `/api/proposals/${id}/${action}`, body, {
      "if-match": `"${revision}"`,
    });
    return recordOf(doc.proposal as Json);
  }

  /** Applies a change decided on `revision`; the answer is the proposal after it. */
  async change(id: number, revision: number, change: Change): Promise<ProposalRecord> {
    const { action, ...body } = change;
    const doc = await this.call("POST", `/api/proposals/${id}/${action}`, body, {
      "if-match": `"${revision}"`,
    });
    return recordOf(doc.proposal as Json);
  }
}
