import { Agent, fetch, Headers, type Response } from 'undici';
import { PermanentError, RetryableError } from './errors';
import { DestinationAddressPolicy, destinationAddressPolicy, DestinationAddressRefusedError } from './http-address-policy';
import { redactSecrets } from './secrets';
import { SENDABLE_HEADER_VALUE } from './settings';

/** A value of a query string or form field; an array repeats the name (`tag=a&tag=b`). */
export type ParamValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

/** One HTTP request; at most one of `json`, `form` and `body`. */
export interface RequestOptions {
  /** Any HTTP method (`GET`, `POST`, `PATCH`, `DELETE`...); `GET` without a body, `POST` with one. */
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON, with `Content-Type: application/json`. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, ParamValue>;
  /** Sent byte for byte (a signature computed over it matches what the receiver reads); set your own Content-Type. */
  body?: string | Uint8Array;
  /** Added to the URL's query string; null and undefined values are left out. */
  searchParams?: Record<string, ParamValue>;
  /** The whole exchange, redirects and response body included, must finish within this time. 10 s unless given. */
  timeoutMs?: number;
  /**
   * `follow` (the default): up to `maxRedirects` redirects, each target checked against the outbound
   * address policy; `error`: a redirect is a `PermanentError` naming where it points (use it when the body
   * is signed for one receiver); `manual`: the 3xx response is returned as it is.
   */
  redirect?: 'follow' | 'error' | 'manual';
  /** 5 unless given. */
  maxRedirects?: number;
  /** True (the default): a non-2xx answer (but a 3xx with `redirect: 'manual'`) throws, classified (see `request`). False: it is returned. */
  throwHttpErrors?: boolean;
  /** The response body is read up to this size and cut there. 1 MB unless given. */
  maxResponseBytes?: number;
  /** Aborts the request; `perform`'s own signal always does. */
  signal?: AbortSignal;
}

export interface RequestResponse<Body = unknown> {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Parsed JSON when the answer is JSON, otherwise its text (undefined when empty); cut at `maxResponseBytes`. */
  body: Body;
  /** The URL that answered, after redirects. */
  url: string;
}

/**
 * The HTTP client `perform` gets as `input.request`. Every request goes through the outbound address
 * policy (a host that is, or resolves to, a forbidden address is a `PermanentError`, also as a redirect
 * target). Unless `throwHttpErrors: false`: 2xx resolves; 408, 429, 5xx, network errors and timeouts throw
 * `RetryableError` (with the delay a 429 or 503 asked for in `Retry-After`); any other status throws
 * `PermanentError`. Error messages name the host only, never the path or query, and never the
 * destination's secret settings.
 */
export type RequestClient = <Body = unknown>(url: string, options?: RequestOptions) => Promise<RequestResponse<Body>>;

export interface RequestClientOptions {
  /** Every request is aborted with it (the attempt's signal). */
  signal?: AbortSignal;
  /** Texts replaced by `[redacted]` in error messages (see `secretValues`). */
  secrets?: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Headers that carry credentials for the host they were configured for, dropped when a redirect leaves it. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** The `request` handed to `perform`, bound to the attempt's signal and the destination's secrets. */
export function createRequestClient({ signal, secrets = [] }: RequestClientOptions = {}): RequestClient {
  return async <Body>(url: string, options: RequestOptions = {}) => {
    const given = options.signal;
    const combined = signal && given ? AbortSignal.any([signal, given]) : (signal ?? given);
    try {
      return (await sendRequest(url, { ...options, signal: combined })) as RequestResponse<Body>;
    } catch (error) {
      throw withRedactedMessage(error, secrets);
    }
  };
}

/** One request, as `RequestClient` describes; `request` is this with the attempt's signal and secrets. */
export async function sendRequest(url: string, options: RequestOptions = {}): Promise<RequestResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // A timer cleared once the answer is read: AbortSignal.timeout's timer cannot be cleared, and firing long
  // after every request had finished it cost each send a DOMException with its stack (scenario 7's profiles).
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  try {
    return await follow(url, options, signal, () => timeout.signal.aborted, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

/** The request and the redirects it is allowed to follow, under `signal`. */
async function follow(url: string, options: RequestOptions, signal: AbortSignal, timedOut: () => boolean, timeoutMs: number): Promise<RequestResponse> {
  const policy = destinationAddressPolicy();
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;

  let target = withSearchParams(absoluteUrl(url), options.searchParams);
  let method = (options.method ?? (hasBody(options) ? 'POST' : 'GET')).toUpperCase();
  let { body, contentType } = encodeBody(options);
  const headers = requestHeaders(options.headers, contentType);

  for (let redirects = 0; ; redirects++) {
    const refusal = policy.refusalForHost(target.hostname);
    if (refusal) throw refused(refusal);
    const response = await exchange(target, { method, headers, body, signal, policy }, () => describeStop(timedOut(), options.signal, timeoutMs, target));
    const location = isRedirect(response.status) ? response.headers.get('location') : null;
    if (location === null || options.redirect === 'manual') return answer(response, target, options);
    await response.body?.cancel().catch(() => undefined);

    const next = URL.canParse(location, target.href) ? new URL(location, target) : undefined;
    if (options.redirect === 'error' || !next) {
      throw new PermanentError(`${target.host} answered HTTP ${response.status}; redirects are not followed, use ${location}`, { status: response.status });
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new PermanentError(`${target.host} redirected to a ${next.protocol} URL, which is not followed`, { status: response.status });
    if (redirects >= maxRedirects) throw new PermanentError(`${target.host} redirected more than ${maxRedirects} times`, { status: response.status });
    // As browsers do: 303 (and 301/302 after a POST) become a GET without the body; 307 and 308 keep both.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      if (method !== 'HEAD') method = 'GET';
      body = undefined;
      headers.delete('content-type');
    }
    if (next.origin !== target.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    target = next;
  }
}

interface Exchange {
  method: string;
  headers: Headers;
  body: string | Uint8Array | undefined;
  signal: AbortSignal;
  policy: DestinationAddressPolicy;
}

async function exchange(target: URL, { method, headers, body, signal, policy }: Exchange, stopped: () => string | undefined): Promise<Response> {
  try {
    return await fetch(target, { method, headers, body, signal, redirect: 'manual', dispatcher: guardedAgent(policy) });
  } catch (error) {
    throw failure(error, target, stopped);
  }
}

async function answer(response: Response, target: URL, options: RequestOptions): Promise<RequestResponse> {
  const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  let text: string;
  try {
    text = await readLimited(response, limit);
  } catch (error) {
    throw failure(error, target, () => (options.signal?.aborted ? `request to ${target.host} was aborted before it finished` : undefined));
  }
  const { status } = response;
  const result = { status, headers: Object.fromEntries(response.headers), body: parseBody(text), url: target.toString() };
  const asked = options.throwHttpErrors === false || (options.redirect === 'manual' && isRedirect(status));
  if (asked || (status >= 200 && status < 300)) return result;
  throw httpError(status, target.host, text, response.headers);
}

/** The error for a non-2xx answer: retryable for 408, 429 and 5xx, with `Retry-After` on 429 and 503. */
export function httpError(status: number, host: string, text: string, headers: { get(name: string): string | null }): Error {
  const detail = `${host} answered HTTP ${status}${excerptOf(text)}`;
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfter = status === 429 || status === 503 ? retryAfterMs(headers.get('retry-after')) : undefined;
    return new RetryableError(detail, { status, retryAfterMs: retryAfter });
  }
  const location = isRedirect(status) ? headers.get('location') : null;
  return new PermanentError(location ? `${detail}; redirects are not followed, use ${location}` : detail, { status });
}

/** `Retry-After` as a delay: seconds, or an HTTP date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function failure(error: unknown, target: URL, stopped: () => string | undefined): Error {
  const refusedAddress = refusalIn(error);
  if (refusedAddress) return refused(refusedAddress.reason);
  const reason = stopped();
  if (reason) return new RetryableError(reason, { cause: error });
  return new RetryableError(`network error reaching ${target.host}: ${networkReason(error)}`, { cause: error });
}

function describeStop(timedOut: boolean, given: AbortSignal | undefined, timeoutMs: number, target: URL): string | undefined {
  if (timedOut) return `${target.host} did not answer: timed out after ${timeoutMs} ms`;
  if (given?.aborted) return `request to ${target.host} was aborted before it finished`;
  return undefined;
}

function withRedactedMessage(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error) || secrets.length === 0) return error;
  const message = redactSecrets(error.message, secrets);
  if (message !== error.message) Object.defineProperty(error, 'message', { value: message, configurable: true, writable: true });
  return error;
}

function refused(reason: string): PermanentError {
  return new PermanentError(`refused to send: ${reason}; the operator can allow it with ITINERA_ALLOWED_DESTINATION_HOSTS`);
}

function hasBody(options: RequestOptions): boolean {
  return options.json !== undefined || options.form !== undefined || options.body !== undefined;
}

function encodeBody(options: RequestOptions): { body: string | Uint8Array | undefined; contentType?: string } {
  const given = [options.json !== undefined, options.form !== undefined, options.body !== undefined].filter(Boolean).length;
  if (given > 1) throw new PermanentError('a request takes at most one of json, form and body');
  if (options.json !== undefined) return { body: JSON.stringify(options.json), contentType: 'application/json' };
  if (options.form !== undefined) return { body: encodeParams(new URLSearchParams(), options.form).toString(), contentType: 'application/x-www-form-urlencoded' };
  return { body: options.body };
}

function withSearchParams(url: URL, params: Record<string, ParamValue> | undefined): URL {
  if (params) encodeParams(url.searchParams, params);
  return url;
}

function encodeParams(into: URLSearchParams, params: Record<string, ParamValue>): URLSearchParams {
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) into.append(name, String(item));
  }
  return into;
}

// Host only in messages: URLs often carry tokens in their path or query, and error messages are stored and shown.
function absoluteUrl(url: string): URL {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new PermanentError('the destination URL is not an absolute http(s) URL');
  }
  return parsed;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
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

function requestHeaders(given: Record<string, string> | undefined, contentType: string | undefined): Headers {
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
  // The body's encoding decides its type; a configured header cannot contradict it.
  if (contentType) headers.set('content-type', contentType);
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

/** JSON whatever the declared type (many APIs answer JSON as text/plain), else the text. */
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

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
}
