import { actionFor, defineDestination, defineSettings } from '@itinera/plugin-kit';

const settings = defineSettings({
  endpointUrl: { type: 'string', format: 'uri', required: true, description: 'The endpoint receiving membership batches.' },
  headers: { type: 'object', format: 'http-headers', secret: true, description: 'Headers sent with every batch, e.g. { "Authorization": "Bearer …" }.' },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000, description: 'How long to wait for an answer, in ms.' },
});

/** One member of a list, as the endpoint receives it. */
export interface ListMember {
  userId: string;
  email?: string;
  traits?: Record<string, unknown>;
}

/**
 * The JSON body of every request: the list (by key) and the members to add and to remove. A list is keyed
 * by a journey step's key (journey-step membership) or by any key the mapping gives (an audience's key).
 */
export interface MembershipBatch {
  list: { key: string; journeyId: string };
  add: ListMember[];
  remove: ListMember[];
  /** The same on every retry of this batch, so the endpoint can apply it once. */
  idempotencyKey: string;
}

const syncMembership = actionFor(settings)({
  title: 'Sync list membership',
  description: 'Adds the user to, or removes them from, a list keyed by step key (or by a mapped key such as an audience’s).',
  fields: {
    operation: { type: 'string', choices: ['add', 'remove'], default: 'add', description: 'add (entering the step or audience) or remove (leaving it).' },
    listKey: { type: 'string', description: 'The list; this send step’s key unless mapped, so a later step can remove users from an earlier step’s list.' },
    userId: { type: 'string', required: true, description: 'The member.', default: { '@path': '$.userId' } },
    email: { type: 'string', description: 'The member’s email, for lists that match by address.', default: { '@path': '$.traits.email' } },
    traits: { type: 'object', description: 'Member attributes the list keeps, e.g. { "first_name": … }.' },
  },
  async perform({ payload, settings, idempotencyKey, stepKey, journeyId, request }) {
    const member: ListMember = { userId: payload.userId, email: payload.email, traits: payload.traits };
    // One delivery is one batch of one member: the plugin kit has no batched perform yet, and the body is
    // already the batch shape (add and remove lists), so batching later changes no endpoint.
    const batch: MembershipBatch = {
      list: { key: payload.listKey ?? stepKey, journeyId },
      add: payload.operation === 'remove' ? [] : [member],
      remove: payload.operation === 'remove' ? [member] : [],
      idempotencyKey,
    };
    // 2xx succeeds; 408, 429 (after Retry-After) and 5xx are retried; other answers are permanent.
    const response = await request(settings.endpointUrl, {
      method: 'POST',
      headers: { ...settings.headers, 'Idempotency-Key': idempotencyKey },
      json: batch,
      timeoutMs: settings.timeoutMs,
    });
    return { status: response.status, response: response.body };
  },
});

export default defineDestination({
  name: 'list-sync',
  kitVersion: '^2.0.0',
  displayName: 'List sync',
  description: 'Keeps external lists in step with audience and journey-step membership: batches of members to add and remove, keyed by step key.',
  settings,
  actions: { syncMembership },
});
