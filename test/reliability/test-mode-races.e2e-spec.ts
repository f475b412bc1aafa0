import { ItineraProcess, spawnItinera } from '../harness/itinera-process';
import { publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { RELIABILITY_TIMEOUT_MS, reliabilitySize } from './reliability-sizes';

const TESTERS = reliabilitySize('TEST_MODE_TESTERS', 4);
const EVENTS_PER_TESTER = reliabilitySize('TEST_MODE_EVENTS', 24);
const RESETS_PER_TESTER = reliabilitySize('TEST_MODE_RESETS', 12);

/** A small seeded generator (mulberry32), so a failing interleaving can be run again. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const waitingJourney = (name: string) => ({
  name,
  trigger: { type: 'EVENT', event: { event: 'Trial_Started' } },
  entry: { mode: 'ONCE' },
  steps: [{ key: 'wait_for_account', name: 'Wait for the account', type: 'HOLD_UNTIL', hold: { branches: [{ key: 'account', match: { event: 'Account_Created' } }], maxDuration: 'PT1H' } }],
});

/**
 * Test profiles' trigger events posted while resetTestProfile runs for them, applied by two worker
 * processes: each event is applied once, enters at most one instance, every reset that ended an instance
 * is the only way a test run ends, and the live journey sees each tester exactly once.
 */
describe('test mode under concurrency', () => {
  let itinera: TestApp;
  const workers: ItineraProcess[] = [];

  beforeAll(async () => {
    itinera = await startTestApp({ config: { role: 'api' } });
    const env = { ITINERA_ROLE: 'worker', DATABASE_URL: itinera.databaseUrl };
    workers.push(...(await Promise.all([spawnItinera(env), spawnItinera(env)])));
  }, 240_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => (w.child.exitCode === null ? w.kill() : undefined)));
    await itinera.close();
  });

  const rows = async (sql: string, params: unknown[] = []) => (await itinera.db.query(sql, params)).rows;

  it(`enters each test profile once per reset, never twice for one event, with two workers (${TESTERS} testers × ${EVENTS_PER_TESTER} events, ${RESETS_PER_TESTER} resets)`, async () => {
    const seed = Number(process.env.TEST_MODE_SEED ?? Date.now() % 1_000_000);
    console.log(`test-mode races: seed ${seed} (TEST_MODE_SEED=${seed} runs this interleaving again)`);
    const random = seeded(seed);
    const graphql = itinera.graphql;

    const testers = Array.from({ length: TESTERS }, (_, i) => `qa-race-${i}`);
    for (const userId of testers) await graphql.query(`mutation ($u: String!) { addTestProfile(userId: $u) { userId } }`, { u: userId });
    const live = await publishJourney(graphql, waitingJourney('Live trial wait'));
    const { createJourney } = await graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, { input: waitingJourney('Trial wait under test') });
    const draftId: string = createJourney.id;
    await graphql.query(`mutation ($id: ID!) { startJourneyTest(id: $id) { id } }`, { id: draftId });

    // Per tester: its events in small batches and its resets, shuffled together and run a few at a time.
    type Step = { kind: 'events'; userId: string; from: number; to: number } | { kind: 'reset'; userId: string };
    const steps: Step[] = testers.flatMap((userId) => [
      ...Array.from({ length: EVENTS_PER_TESTER / 3 }, (_, i): Step => ({ kind: 'events', userId, from: i * 3, to: i * 3 + 3 })),
      ...Array.from({ length: RESETS_PER_TESTER }, (): Step => ({ kind: 'reset', userId })),
    ]);
    for (let i = steps.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [steps[i], steps[j]] = [steps[j], steps[i]];
    }
    const ended = new Map(testers.map((userId) => [userId, 0]));
    const run = async (step: Step) => {
      if (step.kind === 'reset') {
        const { resetTestProfile } = await graphql.query(`mutation ($u: String!, $j: ID!) { resetTestProfile(userId: $u, journeyId: $j) }`, { u: step.userId, j: draftId });
        ended.set(step.userId, ended.get(step.userId)! + resetTestProfile);
        return;
      }
      const batch = Array.from({ length: step.to - step.from }, (_, k) => ({
        type: 'track',
        userId: step.userId,
        event: 'Trial_Started',
        messageId: `${step.userId}-trial-${step.from + k}`,
        properties: { attempt: step.from + k },
      }));
      expect((await itinera.ingestion.batch(batch)).status).toBe(200);
    };
    for (let i = 0; i < steps.length; i += 4) await Promise.all(steps.slice(i, i + 4).map(run));

    const allApplied = async () =>
      (
        await rows(
          `SELECT count(*)::int AS n FROM (SELECT user_id, max(seq) AS last FROM events WHERE user_id = ANY($1) GROUP BY user_id) e
           JOIN event_cursors c ON c.user_id = e.user_id AND c.applied_seq >= e.last`,
          [testers],
        )
      )[0].n === TESTERS;
    await waitFor(allApplied, { what: 'every tester event applied', timeoutMs: RELIABILITY_TIMEOUT_MS });
    console.log(`test-mode races: test runs ended by resets per tester: ${JSON.stringify(Object.fromEntries(ended))}`);

    for (const userId of testers) {
      const runs = await rows(
        `SELECT status, exit_reason, reset_at, context->'entry'->>'messageId' AS message_id FROM journey_instances
         WHERE journey_id = $1 AND user_id = $2 ORDER BY entered_at, id`,
        [draftId, userId],
      );
      // Exactly once: no trigger event entered twice, and every entered one is the tester's.
      const messageIds = runs.map((r) => r.message_id);
      expect(new Set(messageIds).size).toBe(messageIds.length);
      expect(messageIds.every((id) => id.startsWith(`${userId}-trial-`))).toBe(true);
      // Every ended test run was ended by a reset that reported it, and set aside; at most the last one is active.
      const resetRuns = runs.filter((r) => r.status === 'EXITED');
      expect(resetRuns.every((r) => r.exit_reason === 'test_reset' && r.reset_at !== null)).toBe(true);
      expect(resetRuns).toHaveLength(ended.get(userId)!);
      expect(runs.slice(0, -1).every((r) => r.status === 'EXITED')).toBe(true);
      expect(runs.filter((r) => r.status === 'ACTIVE').length).toBeLessThanOrEqual(1);
      expect(runs.length).toBeGreaterThanOrEqual(1);
      // The live journey saw the tester as the real user they are: once (ONCE), untouched by the resets.
      expect(await rows(`SELECT status, test FROM journey_instances WHERE journey_id = $1 AND user_id = $2`, [live.id, userId])).toEqual([{ status: 'ACTIVE', test: false }]);
    }

    // After one more reset, the next trigger enters exactly one new test run.
    const userId = testers[0];
    const before = (await rows(`SELECT count(*)::int AS n FROM journey_instances WHERE journey_id = $1 AND user_id = $2`, [draftId, userId]))[0].n;
    await graphql.query(`mutation ($u: String!, $j: ID!) { resetTestProfile(userId: $u, journeyId: $j) }`, { u: userId, j: draftId });
    expect((await itinera.ingestion.batch([1, 2].map((k) => ({ type: 'track', userId, event: 'Trial_Started', messageId: `${userId}-final-${k}` })))).status).toBe(200);
    await waitFor(allApplied, { what: 'the final events applied', timeoutMs: RELIABILITY_TIMEOUT_MS });
    expect(await rows(`SELECT context->'entry'->>'messageId' AS m FROM journey_instances WHERE journey_id = $1 AND user_id = $2 AND status = 'ACTIVE'`, [draftId, userId])).toEqual([
      { m: `${userId}-final-1` },
    ]);
    expect((await rows(`SELECT count(*)::int AS n FROM journey_instances WHERE journey_id = $1 AND user_id = $2`, [draftId, userId]))[0].n).toBe(before + 1);
  }, RELIABILITY_TIMEOUT_MS * 2);
});
