/**
 * The API client of the dashboard. The token is entered once and kept in sessionStorage (gone when the
 * tab closes), sent only as `Authorization: Bearer`, never put in a URL (so it is in no history, log or
 * Referer). Errors come back as the API's stable NF_ codes.
 */
const KEY = "nanofuse.token";

export const token = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (value: string) => sessionStorage.setItem(KEY, value.trim()),
  forget: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Call {
  method?: "GET" | "POST";
  body?: unknown;
  /** The revision the user decided on, sent as If-Match. */
  revision?: number;
}

export async function api<T>(path: string, call: Call = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  const t = token.get();
  if (t) headers.authorization = `Bearer ${t}`;
  if (call.revision !== undefined) headers["if-match"] = `"${call.revision}"`;
  if (call.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`api/${path}`, {
      method: call.method ?? "GET",
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      credentials: "omit",
    });
  } catch (error) {
    throw new ApiError(0, "NF_UNREACHABLE", `the server did not answer (${(error as Error).message})`);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const e = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      response.status,
      e?.code ?? `HTTP_${response.status}`,
      e?.message ?? response.statusText,
    );
  }
  return parsed as T;
}
