import { Pool } from 'pg';
import { QueueService } from '../../src/queue/queue.service';
import { fetchWithShares } from '../../src/queue/fair-fetch';
import { startTestApp, type TestApp } from '../harness/test-app';

const QUEUE = 'fair-fetch-test';

/** The fetch behind per-destination shares of delivery slots: what one fetch may take from the queue. */
describe('fetchWithShares', () => {
  let itinera: TestApp;
  const db = { executeSql: (text: string, values: unknown[]) => itinera.db.query(text, values) };

  beforeAll(async () => {
    itinera = await startTestApp({ config: { role: 'api' } });
    await itinera.app.get(QueueService).defineQueue({ name: QUEUE });
  });
  afterAll(() => itinera.close());
  beforeEach(() => itinera.db.query(`DELETE FROM pgboss.job WHERE name = $1`, [QUEUE]));

  const enqueue = (destinationId: string, workspaceId: string, count: number) =>
    itinera.app.get(QueueService).enqueue(Array.from({ length: count }, (_, i) => ({ queue: QUEUE, data: { n: i, destinationId, workspaceId } })));
  const tally = (jobs: { data: unknown }[]) =>
    jobs.reduce<Record<string, number>>((counts, { data }) => {
      const { destinationId } = data as { destinationId: string };
      return { ...counts, [destinationId]: (counts[destinationId] ?? 0) + 1 };
    }, {});
  const shares = (busy: Record<string, number> = {}, workspaces: Record<string, number> = {}) => [
    { field: 'destinationId', free: new Map(Object.entries(busy)), max: 3 },
    { field: 'workspaceId', free: new Map(Object.entries(workspaces)), max: 5 },
  ];

  it('takes at most the free share of each destination, and looks past the jobs of a full one', async () => {
    await enqueue('hanging', 'a', 50);
    await enqueue('healthy', 'b', 10);
    expect(tally(await fetchWithShares(db, QUEUE, 20, shares({ hanging: 0 })))).toEqual({ healthy: 3 });
    expect(tally(await fetchWithShares(db, QUEUE, 20, shares({ hanging: 1, healthy: 0 })))).toEqual({ hanging: 1 });
  });

  it('takes at most the free share of each workspace across its destinations', async () => {
    await enqueue('d1', 'a', 10);
    await enqueue('d2', 'a', 10);
    await enqueue('d3', 'b', 10);
    expect(tally(await fetchWithShares(db, QUEUE, 20, shares({}, { a: 4 })))).toEqual({ d1: 3, d2: 1, d3: 3 });
  });

  it('marks the jobs it takes active, so no other fetch takes them', async () => {
    await enqueue('d1', 'a', 3);
    expect((await fetchWithShares(db, QUEUE, 10, shares())).length).toBe(3);
    expect(await fetchWithShares(db, QUEUE, 10, shares())).toEqual([]);
  });

  it('hands each job to one fetch only when many workers fetch at once', async () => {
    const jobs = 1_500;
    for (let i = 0; i < jobs; i += 500) await enqueue(`d${i % 7}`, `w${i % 3}`, 500);
    const pool = new Pool({ connectionString: itinera.databaseUrl, max: 8 });
    try {
      const taken: string[] = [];
      const fetcher = async () => {
        for (;;) {
          const batch = await fetchWithShares({ executeSql: (text, values) => pool.query(text, values) }, QUEUE, 4, shares());
          if (batch.length === 0) return;
          taken.push(...batch.map((job) => job.id));
        }
      };
      await Promise.all(Array.from({ length: 8 }, fetcher));
      expect(taken.length - new Set(taken).size).toBe(0);
      expect(new Set(taken).size).toBe(jobs);
    } finally {
      await pool.end();
    }
  });
});
