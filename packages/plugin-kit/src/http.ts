import { retryAfterMs, sendRequest } from './request';

export { retryAfterMs };

/** One JSON request to a destination. */
export interface JsonRequest {
  url: string;
  /** `POST` unless given. */
  method?: 'POST' | 'PUT';
  /** Sent as given; `Content-Type: application/json` always wins. */
  headers?: Record<string, string>;
  /** The JSON text to send, byte for byte, so that a signature computed over it matches what the receiver reads. */
  body: string;
  /** The whole exchange, response body included, must finish within this time. */
  timeoutMs: number;
  /** The caller's signal (`PerformInput.signal`). */
  signal?: AbortSignal;
}

/** A 2xx answer. */
export interface JsonResponse {
  status: number;
  /** The response body: parsed JSON when it is JSON, otherwise text; cut to about 2 KB. */
  body: unknown;
}

/** Response bodies are kept for display and debugging only; more would bloat delivery records. */
export const RESPONSE_BODY_LIMIT = 2048;

/**
 * Sends one JSON text and classifies the outcome as `request` does, without following redirects: they
 * would re-send the body (and its signature) to a host nobody configured. Kept for plugins written before
 * `input.request`; it is `request` with `redirect: 'error'` and a 2 KB response.
 */
export async function postJson(request: JsonRequest): Promise<JsonResponse> {
  const { status, body } = await sendRequest(request.url, {
    method: request.method ?? 'POST',
    headers: { ...request.headers, 'content-type': 'application/json' },
    body: request.body,
    timeoutMs: request.timeoutMs,
    signal: request.signal,
    redirect: 'error',
    maxResponseBytes: RESPONSE_BODY_LIMIT,
  });
  return { status, body };
}
