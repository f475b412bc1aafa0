import { createHmac } from 'node:crypto';
import { actionFor, defineDestination, defineSettings } from '@itinera/plugin-kit';

/**
 * The JSON body of every webhook request. `key` is the send step's stable key, so one endpoint can tell
 * the steps of many journeys apart; `idempotencyKey` is the same on every retry of one delivery.
 */
export interface WebhookBody {
  key: string;
  event: string | null;
  journeyId: string;
  instanceId: string;
  userId: string;
  idempotencyKey: string;
  data: Record<string, unknown>;
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`, keyed by the destination's secret. */
export function webhookSignature(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

const settings = defineSettings({
  url: { type: 'string', format: 'uri', required: true, description: 'The endpoint, e.g. https://example.com/hooks/itinera.' },
  method: { type: 'string', choices: ['POST', 'PUT'], default: 'POST', description: 'HTTP method.' },
  // Secret because headers usually carry credentials (`Authorization: Bearer ...`).
  headers: { type: 'object', format: 'http-headers', secret: true, description: 'Extra request headers, e.g. { "Authorization": "Bearer ..." }.' },
  secret: {
    type: 'string',
    secret: true,
    description: 'When set, each request carries X-Itinera-Signature: sha256=<hex HMAC-SHA256 of the raw body>.',
  },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000, description: 'How long to wait for an answer, in ms.' },
});

const action = actionFor(settings);

const send = action({
  title: 'Send',
  description: 'POST (or PUT) a JSON envelope with the mapped data to the URL.',
  fields: {
    data: {
      type: 'object',
      required: true,
      description: 'The JSON object delivered as `data`; the entry event’s properties unless mapped.',
      default: { '@path': '$.entry.properties' },
    },
  },
  async perform({ payload, settings, idempotencyKey, stepKey, eventName, journeyId, instanceId, userId, request }) {
    const body: WebhookBody = { key: stepKey, event: eventName ?? null, journeyId, instanceId, userId, idempotencyKey, data: payload.data };
    const rawBody = JSON.stringify(body);
    // Ours are set last so a configured header cannot replace the key or forge the signature.
    const headers: Record<string, string> = { ...settings.headers, 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey };
    if (settings.secret) headers['X-Itinera-Signature'] = webhookSignature(settings.secret, rawBody);

    // The raw text, as signed; a redirect is refused rather than re-sending it to a host nobody configured.
    const response = await request(settings.url, { method: settings.method, headers, body: rawBody, timeoutMs: settings.timeoutMs, redirect: 'error' });
    return { status: response.status, response: response.body };
  },
});

export default defineDestination({
  name: 'webhook',
  kitVersion: '^2.0.0',
  displayName: 'Webhook',
  description: 'Delivers each send step as a JSON request to an HTTP endpoint, optionally signed with HMAC-SHA256.',
  settings,
  actions: { send },
});
