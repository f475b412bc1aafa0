import { createHash } from 'node:crypto';
import { actionFor, defineDestination, defineSettings, type BatchItem, type InferPayload, type InferSettings, type RequestClient } from '@itinera/plugin-kit';

const settings = defineSettings({
  endpointUrl: { type: 'string', format: 'uri', required: true, description: 'The endpoint receiving membership batches.' },
  headers: { type: 'object', format: 'http-headers', secret: true, description: 'Headers sent with every batch, e.g. { "Authorization": "Bearer …" }.' },
  timeoutMs: { type: 'integer', default: 10000, minimum: 1, maximum: 60000, description: 'How long to wait for an answer, in ms.' },
  batchSize: { type: 'integer', minimum: 1, maximum: 500, description: 'At most this many deliveries per batch (100 unless set).' },
  batchMaxWaitMs: { type: 'integer', minimum: 0, maximum: 10000, description: 'How long a batch may wait to fill, in ms (1000 unless set).' },
});

const fields = {
  operation: { type: 'string', choices: ['add', 'remove'], default: 'add', description: 'add (entering the step or audience) or remove (leaving it).' },
  listKey: { type: 'string', description: 'The list; this send step’s key unless mapped, so a later step can remove users from an earlier step’s list.' },
  userId: { type: 'string', required: true, description: 'The member.', default: { '@path': '$.userId' } },
  email: { type: 'string', description: 'The member’s email, for lists that match by address.', default: { '@path': '$.traits.email' } },
  traits: { type: 'object', description: 'Member attributes the list keeps, e.g. { "first_name": … }.' },
} as const;

type ListSyncSettings = InferSettings<typeof settings>;
type SyncMembershipPayload = InferPayload<typeof fields>;

/** One member of a list, as the endpoint receives it. */
export interface ListMember {
  userId: string;
  email?: string;
  traits?: Record<string, unknown>;
  /** The delivery's key, the same on every retry: apply each member's change once per key. */
  idempotencyKey: string;
}

/**
 * The JSON body of every request: one list (by key) and the members to add and to remove. A list is keyed
 * by a journey step's key (journey-step membership) or by any key the mapping gives (an audience's key).
 */
export interface MembershipBatch {
  list: { key: string; journeyId: string };
  add: ListMember[];
  remove: ListMember[];
  /** The delivery's key for a batch of one; for a larger batch, a digest of its members' keys. */
  idempotencyKey: string;
}

type Item = Pick<BatchItem<SyncMembershipPayload>, 'payload' | 'idempotencyKey' | 'stepKey' | 'journeyId'>;

/**
 * The batches for `items`, one list each, in the order the items came: a member whose user is already in
 * the list's open batch starts a new one, so an add then a remove of one user is applied in that order.
 */
export function membershipBatches(items: readonly Item[]): { batch: MembershipBatch; items: number[] }[] {
  const batches: { batch: MembershipBatch; items: number[]; users: Set<string> }[] = [];
  const open = new Map<string, (typeof batches)[number]>();
  items.forEach(({ payload, idempotencyKey, stepKey, journeyId }, index) => {
    const list = { key: payload.listKey ?? stepKey, journeyId };
    const listId = JSON.stringify([list.key, list.journeyId]);
    let current = open.get(listId);
    if (!current || current.users.has(payload.userId)) {
      current = { batch: { list, add: [], remove: [], idempotencyKey: '' }, items: [], users: new Set() };
      batches.push(current);
      open.set(listId, current);
    }
    const member: ListMember = { userId: payload.userId, email: payload.email, traits: payload.traits, idempotencyKey };
    (payload.operation === 'remove' ? current.batch.remove : current.batch.add).push(member);
    current.items.push(index);
    current.users.add(payload.userId);
  });
  return batches.map(({ batch, items: indexes }) => {
    const keys = indexes.map((index) => items[index].idempotencyKey);
    batch.idempotencyKey = keys.length === 1 ? keys[0] : `batch:${createHash('sha256').update(keys.join('\n')).digest('hex')}`;
    return { batch, items: indexes };
  });
}

async function send(batch: MembershipBatch, settings: ListSyncSettings, request: RequestClient) {
  // 2xx succeeds; 408, 429 (after Retry-After) and 5xx are retried; other answers are permanent.
  const response = await request(settings.endpointUrl, {
    method: 'POST',
    headers: { ...settings.headers, 'Idempotency-Key': batch.idempotencyKey },
    json: batch,
    timeoutMs: settings.timeoutMs,
  });
  return { status: response.status, response: response.body };
}

const syncMembership = actionFor(settings)({
  title: 'Sync list membership',
  description: 'Adds the user to, or removes them from, a list keyed by step key (or by a mapped key such as an audience’s); deliveries are sent in batches.',
  fields,
  batching: { size: 100, maxWaitMs: 1000 },
  async perform({ payload, settings, idempotencyKey, stepKey, journeyId, request }) {
    const [{ batch }] = membershipBatches([{ payload, idempotencyKey, stepKey, journeyId }]);
    return send(batch, settings, request);
  },
  async performBatch({ items, settings, request }) {
    const results: (Awaited<ReturnType<typeof send>> | Error)[] = new Array(items.length);
    // One request per list; a list's answer (or error) is the outcome of each of its members' deliveries.
    for (const { batch, items: indexes } of membershipBatches(items)) {
      const outcome = await send(batch, settings, request).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      for (const index of indexes) results[index] = outcome;
    }
    return results;
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
