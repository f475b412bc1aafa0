import { createRequestClient, PermanentError, RetryableError } from '@itinera/plugin-kit';
import { allowLoopbackDestinations, runAction, sampleJourneyContext } from '@itinera/plugin-kit/testing';
import listSync, { membershipBatches } from './index';
import { LIST_SERVICE_PATH, LIST_SERVICE_TOKEN, startFakeListService, type FakeListService } from './list-service.fixture';

describe('list-sync destination', () => {
  beforeAll(allowLoopbackDestinations);
  let service: FakeListService;
  beforeEach(async () => {
    service = await startFakeListService();
  });
  afterEach(() => service.close());

  const settings = () => ({ endpointUrl: `${service.url}${LIST_SERVICE_PATH}`, headers: { Authorization: `Bearer ${LIST_SERVICE_TOKEN}` } });
  const sync = (stepKey: string, mapping: unknown, userId = '88', extra: Record<string, unknown> = {}) =>
    runAction(listSync, 'syncMembership', {
      settings: { ...settings(), ...extra },
      mapping,
      stepKey,
      context: { ...sampleJourneyContext, userId },
      idempotencyKey: `instance-${userId}:${stepKey}:1`,
    });

  it('adds the user to the list keyed by the send step’s key, as a batch with add and remove lists', async () => {
    const result = await sync('nudged', { traits: { first_name: { '@path': '$.traits.first_name' } } });
    expect(result).toEqual({ status: 200, response: { list: 'nudged', added: 1, removed: 0, size: 1 } });
    const request = service.requests[0];
    expect(request.headers).toMatchObject({ authorization: `Bearer ${LIST_SERVICE_TOKEN}`, 'idempotency-key': 'instance-88:nudged:1' });
    expect(request.json).toEqual({
      list: { key: 'nudged', journeyId: sampleJourneyContext.journey.id },
      add: [{ userId: '88', email: 'ada@example.com', traits: { first_name: 'Ada' }, idempotencyKey: 'instance-88:nudged:1' }],
      remove: [],
      idempotencyKey: 'instance-88:nudged:1',
    });
    expect([...service.lists.get('nudged')!]).toEqual(['88']);
  });

  it('removes the user from an earlier step’s list when a later step maps its key', async () => {
    await sync('nudged', {}, '88');
    await sync('nudged', {}, '89');
    await sync('converted', { operation: 'remove', listKey: 'nudged' }, '88');
    expect(service.requests[2].json).toMatchObject({ list: { key: 'nudged' }, add: [], remove: [{ userId: '88' }] });
    expect([...service.lists.get('nudged')!]).toEqual(['89']);
  });

  it('keys audience lists by a mapped key', async () => {
    await sync('sync_audience', { listKey: 'audience:vip' });
    expect(service.lists.get('audience:vip')).toEqual(new Set(['88']));
  });

  it('adds members of one list from concurrent deliveries without losing any', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => sync('nudged', {}, `user-${i}`)));
    expect(service.lists.get('nudged')!.size).toBe(10);
  });

  it('sends the same idempotency keys on a retry, which the service applies once', async () => {
    await sync('nudged', {});
    await sync('nudged', {});
    expect(service.requests.map((r) => r.headers['idempotency-key'])).toEqual(['instance-88:nudged:1', 'instance-88:nudged:1']);
    expect(service.lists.get('nudged')!.size).toBe(1);
  });

  it('fails permanently on a wrong token and retries a 429 after its Retry-After', async () => {
    await expect(sync('nudged', {}, '88', { headers: { Authorization: 'Bearer wrong' } })).rejects.toBeInstanceOf(PermanentError);
    service.rateLimit(1, 5);
    const error = await sync('nudged', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 5000 });
  });

  it('refuses an operation other than add or remove before sending', async () => {
    await expect(sync('nudged', { operation: 'replace' })).rejects.toThrow(/operation must be one of/);
    expect(service.requests).toHaveLength(0);
  });

  describe('performBatch', () => {
    const item = (userId: string, stepKey: string, payload: Record<string, unknown> = {}) => ({
      payload: { operation: 'add' as const, userId, ...payload },
      idempotencyKey: `instance-${userId}:${stepKey}:1`,
      stepKey,
      journeyId: 'journey-1',
      instanceId: `instance-${userId}`,
      userId,
    });
    const runBatch = (items: ReturnType<typeof item>[]) =>
      listSync.actions.syncMembership.performBatch!({
        items,
        payloads: items.map((i) => i.payload),
        settings: { ...settings(), timeoutMs: 10_000 },
        signal: new AbortController().signal,
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
        request: createRequestClient(),
      });

    it('sends one request per list with every member to add and remove, and one result per item in order', async () => {
      const results = await runBatch([item('u1', 'nudged'), item('u2', 'converted'), item('u3', 'nudged'), item('u4', 'converted', { operation: 'remove', listKey: 'nudged' })]);
      expect(service.requests.map((r) => r.json)).toEqual([
        {
          list: { key: 'nudged', journeyId: 'journey-1' },
          add: [{ userId: 'u1', idempotencyKey: 'instance-u1:nudged:1' }, { userId: 'u3', idempotencyKey: 'instance-u3:nudged:1' }],
          remove: [{ userId: 'u4', idempotencyKey: 'instance-u4:converted:1' }],
          idempotencyKey: expect.stringMatching(/^batch:[0-9a-f]{64}$/),
        },
        { list: { key: 'converted', journeyId: 'journey-1' }, add: [{ userId: 'u2', idempotencyKey: 'instance-u2:converted:1' }], remove: [], idempotencyKey: 'instance-u2:converted:1' },
      ]);
      expect(results).toEqual([
        { status: 200, response: { list: 'nudged', added: 2, removed: 1, size: 2 } },
        { status: 200, response: { list: 'converted', added: 1, removed: 0, size: 1 } },
        { status: 200, response: { list: 'nudged', added: 2, removed: 1, size: 2 } },
        { status: 200, response: { list: 'nudged', added: 2, removed: 1, size: 2 } },
      ]);
    });

    it('keeps an add and a later remove of one user in order, in two requests', () => {
      const batches = membershipBatches([item('u1', 'nudged'), item('u1', 'left', { operation: 'remove', listKey: 'nudged' })]);
      expect(batches.map(({ batch }) => [batch.add.map((m) => m.userId), batch.remove.map((m) => m.userId)])).toEqual([
        [['u1'], []],
        [[], ['u1']],
      ]);
    });

    it('gives each item of a refused list the error, and the other lists their results', async () => {
      service.rateLimit(1, 2);
      const results = await runBatch([item('u1', 'nudged'), item('u2', 'converted')]);
      expect(results[0]).toBeInstanceOf(RetryableError);
      expect(results[0]).toMatchObject({ status: 429, retryAfterMs: 2000 });
      expect(results[1]).toEqual({ status: 200, response: { list: 'converted', added: 1, removed: 0, size: 1 } });
    });
  });
});
