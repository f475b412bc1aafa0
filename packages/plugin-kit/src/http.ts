import { Agent, fetch, Headers, type Response } from 'undici';
import { PermanentError, RetryableError } from './errors';
import { SENDABLE_HEADER_VALUE } from './settings';
import { DestinationAddressPolicy, destinationAddressPolicy, DestinationAddressRefusedError } from './http-address-policy';

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
 * Sends one JSON request and classifies the outcome the way every HTTP destination should: 2xx resolves;
 * 408, 429, 5xx, network errors and timeouts throw `RetryableError`; any other status (including a
 * redirect, which is not followed) throws `PermanentError`. Errors carry the status and a body excerpt.
 * A host that is, or resolves to, an address the installed `DestinationAddressPolicy` forbids (loopback,
 * private, link-local, metadata) throws `PermanentError` before anything is sent.
 */
export async function postJson(request: JsonRequest): Promise<JsonResponse> {
  const target = describeTarget(request.url);
  const policy = destinationAddressPolicy();
  const refusal = policy.refusalForHost(new URL(request.url).hostname);
  if (refusal) throw refused(refusal);
  const headers = requestHeaders(request.headers);
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;

  let response: Response;
  let text: string;
  try {
    // Redirects are not followed: they would re-send the body (and its signature) to a host nobody configured.
    const dispatcher = guardedAgent(policy);
    response = await fetch(request.url, { method: request.method ?? 'POST', headers, body: request.body, signal, redirect: 'manual', dispatcher });
    text = await readLimited(response, RESPONSE_BODY_LIMIT);
  } catch (error) {
    const refusedAddress = refusalIn(error);
    if (refusedAddress) throw refused(refusedAddress.reason);
    if (timeout.aborted) throw new RetryableError(`${target} did not answer: timed out after ${request.timeoutMs} ms`, { cause: error });
    if (request.signal?.aborted) throw new RetryableError(`request to ${target} was aborted before it finished`, { cause: error });
    throw new RetryableError(`network error reaching ${target}: ${networkReason(error)}`, { cause: error });
  }

  const { status } = response;
  if (status >= 200 && status < 300) return { status, body: parseBody(text) };
  const detail = `${target} answered HTTP ${status}${excerptOf(text)}`;
  if (status === 408 || status === 429 || status >= 500) throw new RetryableError(detail, { status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) });
  const location = response.headers.get('location');
  throw new PermanentError(location ? `${detail}; redirects are not followed, use ${location}` : detail, { status });
}

/** `Retry-After` as a delay: seconds, or an HTTP date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function refused(reason: string): PermanentError {
  return new PermanentError(`refused to send: ${reason}; the operator can allow it with ITINERA_ALLOWED_DESTINATION_HOSTS`);
}

// One connection pool per policy; its lookup checks every address a host name resolves to before connecting.
const agents = new WeakMap<DestinationAddressPolicy, Agent>();
function guardedAgent(policy: DestinationAddressPolicy): Agent {
  let agent = agents.get(policy);
  if (!agent) {
    agent = new Agent({ connect: { lookup: policy.guardedLookup() } });
    agents.set(policy, agent);
  }
  return agent;
}

function refusalIn(error: unknown): DestinationAddressRefusedError | undefined {
  let current = error;
  for (let depth = 0; current && depth < 5; depth++, current = (current as { cause?: unknown }).cause) {
    if (current instanceof DestinationAddressRefusedError) return current;
    if ((current as { code?: string }).code === 'ERR_ITINERA_DESTINATION_REFUSED') return current as DestinationAddressRefusedError;
  }
  return undefined;
}

function requestHeaders(given: Record<string, string> | undefined): Headers {
  const headers = new Headers();
  try {
    for (const [name, value] of Object.entries(given ?? {})) {
      // fetch lets some control characters through to fail on the wire, where they would look retryable.
      if (!SENDABLE_HEADER_VALUE.test(String(value))) throw new TypeError(`header ${name} has a value with a control character`);
      headers.set(name, String(value));
    }
  } catch (error) {
    throw new PermanentError(`invalid HTTP header: ${(error as Error).message}`, { cause: error });
  }
  headers.set('content-type', 'application/json');
  return headers;
}

/** Reads at most `limit` bytes (plus one, to know it was cut) and drops the rest unread. */
async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size > limit) await reader.cancel().catch(() => undefined);
  const bytes = Buffer.concat(chunks);
  const text = new TextDecoder().decode(bytes.subarray(0, limit));
  return size > limit ? `${text}…` : text;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '';
  return `: ${flat.length > 200 ? `${flat.slice(0, 200)}…` : flat}`;
}

// Host only: URLs of webhooks often carry tokens in their path or query, and error messages are stored and shown.
function describeTarget(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new PermanentError('the destination URL is not an absolute http(s) URL');
  }
  return parsed.host;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}
