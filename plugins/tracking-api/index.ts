import { actionFor, defineDestination, defineSettings, type InferSettings, type PerformInput } from '@itinera/plugin-kit';

const settings = defineSettings({
  host: { type: 'string', format: 'uri', required: true, description: 'e.g. https://api.segment.io or http://127.0.0.1:3000.' },
  writeKey: { type: 'string', required: true, secret: true, description: 'The source’s write key, sent as HTTP Basic user name.' },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000, description: 'How long to wait for an answer, in ms.' },
});

const action = actionFor(settings);

/**
 * Sends one call to `<host>/v1/<type>`. The idempotency key is the `messageId`, so the receiver's messageId
 * deduplication turns at-least-once delivery into exactly-once.
 */
async function sendCall(type: 'track' | 'identify', message: Record<string, unknown>, input: PerformInput<InferSettings<typeof settings>, unknown>) {
  const { settings, idempotencyKey, journeyId, instanceId, stepKey, request } = input;
  const body = {
    ...message,
    type,
    messageId: idempotencyKey,
    context: { library: { name: 'itinera' }, itinera: { journeyId, instanceId, stepKey } },
  };
  // Trailing slashes trimmed, a path prefix kept: collectors are often mounted below a proxy path.
  const response = await request(`${settings.host.replace(/\/+$/, '')}/v1/${type}`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${settings.writeKey}:`).toString('base64')}` },
    json: body,
    timeoutMs: settings.timeoutMs,
  });
  return { status: response.status, response: response.body };
}

const track = action({
  title: 'Track event',
  description: 'Records an event for the user, as a Segment track call.',
  fields: {
    userId: { type: 'string', required: true, description: 'Whose event it is.', default: { '@path': '$.userId' } },
    event: { type: 'string', required: true, description: 'The event name, e.g. "Application Nudge Sent".' },
    properties: { type: 'object', description: 'Event properties.' },
    timestamp: { type: 'datetime', description: 'When it happened; the receiver’s clock when absent.' },
  },
  perform: (input) => {
    const { userId, event, properties, timestamp } = input.payload;
    return sendCall('track', { userId, event, properties: properties ?? {}, timestamp }, input);
  },
});

const identify = action({
  title: 'Identify user',
  description: 'Sets traits on the user, as a Segment identify call.',
  fields: {
    userId: { type: 'string', required: true, description: 'Whose traits they are.', default: { '@path': '$.userId' } },
    traits: { type: 'object', required: true, description: 'Traits to set, e.g. { "nudged": true }.' },
  },
  perform: (input) => sendCall('identify', { userId: input.payload.userId, traits: input.payload.traits }, input),
});

export default defineDestination({
  name: 'tracking-api',
  kitVersion: '^2.0.0',
  displayName: 'Tracking API (Segment-compatible)',
  description: 'Forwards track and identify calls to any Segment-compatible tracking API, such as another Itinera.',
  settings,
  actions: { track, identify },
});
