/**
 * The applier interface: how an approved or promoted proposal's layout reaches the deployment. One
 * applier is chosen per deployment (a manifest file, a webhook, `nanofuse host`); the rollout API
 * calls `apply` and records the result whatever it says. `apply` never rejects: a failure comes back
 * as a result with a stable code, the number of attempts and what each attempt saw, so a proposal is
 * never half-applied without a record.
 */
import { catalogue, type ErrorCode, NanofuseError } from "../errors.ts";
// The manifest type lives with the host on this branch; another branch may move it to src/model/.
import { manifestShape } from "../host/manifest.ts";
import type { ClusteringManifest } from "../model/manifest.ts";

export type ApplierKind = "file" | "webhook" | "host";

export interface ApplyRequest {
  proposalId: string;
  /** The proposal version being applied (the caller checks it is the expected one). */
  version: number;
  manifest: ClusteringManifest;
  /** The same for every retry of one apply, so the receiver can apply it once. */
  idempotencyKey: string;
}

export interface ApplyAttempt {
  attempt: number;
  /** HTTP status, for a webhook. */
  status?: number;
  /** What went wrong, without payloads or secrets. */
  error?: string;
  /** Waited after this attempt before the next. */
  delayMs?: number;
}

interface Outcome {
  applier: ApplierKind;
  /** Where it was applied: a path, a URL without query or credentials, a host. */
  target: string;
  attempts: number;
  history: ApplyAttempt[];
}

export interface ApplySuccess extends Outcome {
  ok: true;
  status?: number;
  /** The target already had exactly this layout; nothing was changed. */
  unchanged?: boolean;
}

export interface ApplyFailure extends Outcome {
  ok: false;
  code: ErrorCode;
  retriable: boolean;
  message: string;
  lastStatus?: number;
}

export type ApplyResult = ApplySuccess | ApplyFailure;

export interface Applier {
  readonly kind: ApplierKind;
  readonly target: string;
  apply(request: ApplyRequest): Promise<ApplyResult>;
}

export function failure(
  outcome: Outcome,
  code: ErrorCode,
  detail: string,
  extra: { lastStatus?: number } = {},
): ApplyFailure {
  const { message, retriable } = catalogue[code];
  return { ok: false, ...outcome, code, retriable, message: `${message}: ${detail}`, ...extra };
}

/** Printable ASCII without spaces: safe in an HTTP header and a file, at most 255 characters. */
const KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's manifest (shape-checked) or a failure saying what is wrong with the request. */
export function checkRequest(
  request: ApplyRequest,
  outcome: Outcome,
): { manifest: ClusteringManifest } | { failure: ApplyFailure } {
  const bad = (detail: string) => ({ failure: failure(outcome, "NF_APPLY_REQUEST_INVALID", detail) });
  if (typeof request?.proposalId !== "string" || !KEY.test(request.proposalId))
    return bad("proposalId must be 1–255 printable characters without spaces");
  if (!Number.isInteger(request.version) || request.version < 0)
    return bad("version must be a non-negative integer");
  if (typeof request.idempotencyKey !== "string" || !KEY.test(request.idempotencyKey))
    return bad("idempotencyKey must be 1–255 printable characters without spaces");
  try {
    return {
      manifest: manifestShape(request.manifest, `proposal ${request.proposalId} v${request.version}`),
    };
  } catch (error) {
    const code = error instanceof NanofuseError ? error.code : "NF_MANIFEST_INVALID";
    const { message, retriable } = catalogue[code];
    const text = error instanceof Error ? error.message : message;
    return { failure: { ok: false, ...outcome, code, retriable, message: text } };
  }
}

/** What an unexpected error says, for a result: its message, or its system error code. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
