/**
 * A local list service speaking the list-sync contract (README.md): `POST <endpoint>` with a Bearer token
 * and a `MembershipBatch` body answers 200 `{ list, added, removed, size }` and keeps each list's members;
 * 400 `{ error }` for a malformed batch, 401 for a wrong token, 429 with Retry-After when limited. A member
 * change whose idempotency key it has seen is not applied twice.
 */
import { startRecordingServer, type RecordedRequest, type RecordingReply, type RecordingServer } from '@itinera/plugin-kit/testing';
import type { MembershipBatch } from './index';

export const LIST_SERVICE_TOKEN = 'list-service-token';
export const LIST_SERVICE_PATH = '/itinera/members';

export interface FakeListService extends RecordingServer {
  /** The user ids in each list, by list key. */
  lists: Map<string, Set<string>>;
  /** The next `count` requests answer 429 with `Retry-After: <seconds>`. */
  rateLimit(count: number, retryAfterSeconds: number): void;
}

export async function startFakeListService(): Promise<FakeListService> {
  const server = await startRecordingServer();
  const lists = new Map<string, Set<string>>();
  const applied = new Set<string>();
  let limited = 0;
  let retryAfter = 0;
  server.replyWith((request) => {
    if (limited > 0) {
      limited--;
      return { status: 429, headers: { 'retry-after': String(retryAfter) }, body: { error: 'rate limited' } };
    }
    return apply(request, lists, applied);
  });
  return {
    ...server,
    lists,
    rateLimit(count, seconds) {
      limited = count;
      retryAfter = seconds;
    },
  };
}

/** True the first time `key` is seen. */
function once(applied: Set<string>, key: string): boolean {
  if (applied.has(key)) return false;
  applied.add(key);
  return true;
}

function apply(request: RecordedRequest, lists: Map<string, Set<string>>, applied: Set<string>): RecordingReply {
  if (request.method !== 'POST' || request.path !== LIST_SERVICE_PATH) return { status: 404, body: { error: 'not found' } };
  if (request.headers.authorization !== `Bearer ${LIST_SERVICE_TOKEN}`) return { status: 401, body: { error: 'invalid token' } };
  const batch = request.json as Partial<MembershipBatch> | undefined;
  const members = (value: unknown) => Array.isArray(value) && value.every((m) => typeof m?.userId === 'string' && typeof m?.idempotencyKey === 'string');
  if (!batch || typeof batch.list?.key !== 'string' || !members(batch.add) || !members(batch.remove) || typeof batch.idempotencyKey !== 'string') {
    return { status: 400, body: { error: 'a batch needs list.key, add and remove arrays of { userId, idempotencyKey } and an idempotencyKey' } };
  }
  const list = lists.get(batch.list.key) ?? new Set<string>();
  lists.set(batch.list.key, list);
  let added = 0;
  let removed = 0;
  for (const member of batch.add!) {
    if (!once(applied, member.idempotencyKey)) continue;
    list.add(member.userId);
    added++;
  }
  for (const member of batch.remove!) {
    if (!once(applied, member.idempotencyKey)) continue;
    list.delete(member.userId);
    removed++;
  }
  const reply = { status: 200, body: { list: batch.list.key, added, removed, size: list.size } };
  return reply;
}
