import { ActivityStream } from './activity-stream';
import type { ActivityRecord } from './activity.graphql-types';

const record = (id: number, overrides: Partial<ActivityRecord> = {}): ActivityRecord => ({
  id: String(id),
  at: new Date('2025-03-01T10:00:00.000Z'),
  type: 'ENTERED',
  journeyId: 'journey-application-nudge',
  instanceId: 'instance-88-1234',
  userId: '88',
  stepKey: null,
  detail: null,
  test: false,
  ...overrides,
});

describe('ActivityStream', () => {
  it('keeps records pushed before the first next(), so a registered subscriber misses nothing', async () => {
    const stream = new ActivityStream({}, () => undefined);
    stream.push(record(1));
    stream.push(record(2, { type: 'HOLD_MATCHED' }));
    expect((await stream.next()).value?.id).toBe('1');
    expect((await stream.next()).value?.id).toBe('2');
  });

  it('hands a record to a next() already waiting for one', async () => {
    const stream = new ActivityStream({}, () => undefined);
    const pending = stream.next();
    stream.push(record(7));
    expect(await pending).toEqual({ value: record(7), done: false });
  });

  it('passes only the journey, user and types asked for', async () => {
    const stream = new ActivityStream({ journeyId: 'j1', userId: '88', types: ['SENT', 'SEND_FAILED'] }, () => undefined);
    stream.push(record(1, { journeyId: 'j2', type: 'SENT' }));
    stream.push(record(2, { journeyId: 'j1', userId: '89', type: 'SENT' }));
    stream.push(record(3, { journeyId: 'j1', type: 'COMPLETED' }));
    stream.push(record(4, { journeyId: 'j1', type: 'SEND_FAILED' }));
    expect((await stream.next()).value?.id).toBe('4');
  });

  it('passes test runs only, live traffic only, or both, as `test` asks', async () => {
    const ids = async (test: boolean | null) => {
      const stream = new ActivityStream({ test }, () => undefined);
      [record(1), record(2, { test: true }), record(3)].forEach((r) => stream.push(r));
      const seen: string[] = [];
      for (let i = 0; i < (test === null ? 3 : test ? 1 : 2); i++) seen.push((await stream.next()).value!.id);
      return seen;
    };
    expect(await ids(true)).toEqual(['2']);
    expect(await ids(false)).toEqual(['1', '3']);
    expect(await ids(null)).toEqual(['1', '2', '3']);
  });

  it('ends once when returned, finishing a waiting next() and telling its owner', async () => {
    const ended: string[] = [];
    const stream = new ActivityStream({}, (reason) => ended.push(reason));
    const pending = stream.next();
    await stream.return();
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    stream.push(record(1));
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(ended).toEqual(['closed']);
  });

  it('drops a subscriber that falls too far behind, after handing over what it buffered', async () => {
    const ended: string[] = [];
    const stream = new ActivityStream({}, (reason) => ended.push(reason), 2);
    for (const id of [1, 2, 3, 4]) stream.push(record(id));
    expect(ended).toEqual(['overflow']);
    expect((await stream.next()).value?.id).toBe('1');
    expect((await stream.next()).value?.id).toBe('2');
    expect((await stream.next()).done).toBe(true);
  });
});
