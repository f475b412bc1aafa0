import { actionFor, defineDestination, defineSettings, PermanentError, type ParamValue } from '@itinera/plugin-kit';

const settings = defineSettings({
  baseUrl: { type: 'string', format: 'uri', required: true, description: 'The API’s base URL, e.g. https://api.example.com/v2.' },
  headers: { type: 'object', format: 'http-headers', secret: true, description: 'Headers sent with every request, e.g. { "Authorization": "Bearer …" }.' },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000, description: 'How long to wait for an answer, in ms.' },
});

/**
 * `path` with each `{name}` replaced by `pathParams.name`, percent-encoded so a value can never change which
 * resource is addressed (`a/b?c` stays one segment). A placeholder without a value is a mapping mistake.
 */
export function expandPath(path: string, params: Record<string, unknown> = {}): string {
  return path.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || typeof value === 'object') {
      throw new PermanentError(`path ${JSON.stringify(path)} needs pathParams.${name}, a string or number; the mapping gave ${value === null ? 'null' : typeof value}`);
    }
    return encodeURIComponent(String(value));
  });
}

/** `baseUrl` joined with `path`; a path that would leave the base URL (`//other.host`, `../`) is refused. */
export function requestUrl(baseUrl: string, path: string): string {
  const relative = path.replace(/^\/+/, '');
  if (relative === '') return new URL(baseUrl).toString();
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const url = new URL(relative, base);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) throw new PermanentError(`path ${JSON.stringify(path)} leads outside ${base.origin}${base.pathname}`);
  return url.toString();
}

const sendRequest = actionFor(settings)({
  title: 'Send a request',
  description: 'Calls any REST endpoint: a method, a path template below the base URL, query, headers and a JSON or form body built by the mapping.',
  fields: {
    method: { type: 'string', choices: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], default: 'POST', description: 'The HTTP method.' },
    path: { type: 'string', default: '', description: 'Below the base URL, with {name} placeholders filled from pathParams, e.g. /contacts/{id}.' },
    pathParams: { type: 'object', description: 'Values of the path’s placeholders, percent-encoded, e.g. { "id": { "@path": "$.userId" } }.' },
    query: { type: 'object', description: 'Query string parameters; an array repeats the name.' },
    headers: { type: 'object', description: 'Request headers built per delivery; the settings’ headers win over them.' },
    body: { type: 'object', description: 'The request body (not sent with GET); the entry event’s properties unless mapped.', default: { '@path': '$.entry.properties' } },
    bodyFormat: { type: 'string', choices: ['json', 'form'], default: 'json', description: 'JSON, or application/x-www-form-urlencoded (objects inside are sent as JSON text).' },
  },
  async perform({ payload, settings, idempotencyKey, request }) {
    const method = payload.method ?? 'POST';
    const url = requestUrl(settings.baseUrl, expandPath(payload.path ?? '', payload.pathParams));
    const headers = { ...stringValues(payload.headers), ...settings.headers, 'Idempotency-Key': idempotencyKey };
    const body = method === 'GET' || payload.body === undefined ? {} : payload.bodyFormat === 'form' ? { form: formValues(payload.body) } : { json: payload.body };
    // 2xx succeeds; 408, 429 (after Retry-After) and 5xx are retried; other answers are permanent.
    const response = await request(url, { method, headers, searchParams: formValues(payload.query ?? {}), ...body, timeoutMs: settings.timeoutMs });
    return { status: response.status, response: response.body };
  },
});

function stringValues(values: Record<string, unknown> = {}): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (/[\r\n\0]/.test(text)) throw new PermanentError(`header ${JSON.stringify(name)} has a line break or NUL, which HTTP cannot carry`);
    result[name] = text;
  }
  return result;
}

/** Form and query values: scalars as they are, arrays of scalars repeated, anything else as JSON text. */
function formValues(values: Record<string, unknown>): Record<string, ParamValue> {
  const result: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(values)) {
    const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
    result[name] = scalar(value) ? (value as ParamValue) : Array.isArray(value) && value.every((v) => v !== null && scalar(v)) ? (value as ParamValue) : JSON.stringify(value);
  }
  return result;
}

export default defineDestination({
  name: 'http-request',
  kitVersion: '^2.0.0',
  displayName: 'HTTP request',
  description: 'Calls any REST API: method, path template, query, headers and body from the mapping.',
  settings,
  actions: { sendRequest },
});
