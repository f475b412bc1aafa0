import { AudienceRecheckHandover } from '../../src/audiences/audience-recheck-handover';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { AudiencesApi, isMember } from './audience-fixtures';

/**
 * One way to wake a user at a time: an audience recheck, like a waiting condition's window, wakes its user
 * with a delayed user-events job enqueued with it; no scan looks for due rechecks.
 */
describe('audiences: rechecks wake their user', () => {
  const WINDOW_MS = 2_000;
  let itinera: TestApp;
  let audienceId: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    audienceId = (await new AudiencesApi(itinera.graphql).create({
      name: 'Recent product adders',
      condition: { performed: [{ event: 'Product Added', atLeast: 1, within: 'PT2S' }] },
    })).id;
  });
  afterAll(() => itinera.close());

  /** The instants (ms) the user is to be woken at for audiences; `pending`: only wake-ups that have not run yet. */
  const wakeUpsOf = async (userId: string, pending = false) =>
    (
      await itinera.db.query(
        `SELECT start_after FROM pgboss.job WHERE name = 'user-events' AND singleton_key LIKE $1 ${pending ? "AND state = 'created'" : ''} ORDER BY start_after`,
        [`${itinera.workspace.workspaceId}:${userId}:audiences:%`],
      )
    ).rows.map((row: { start_after: Date }) => row.start_after.getTime());
  const addedAt = async (userId: string) =>
    (await itinera.db.query(`SELECT max(timestamp) AS at FROM events WHERE user_id = $1 AND event = 'Product Added'`, [userId])).rows[0].at.getTime();

  it('enqueues a wake-up for the instant the window lets the shopper go, and the shopper leaves then', async () => {
    expect((await itinera.ingestion.track({ userId: 'shopper-1', event: 'Product Added', properties: {} })).status).toBe(200);
    await waitFor(() => isMember(itinera, audienceId, 'shopper-1'), { what: 'shopper-1 to enter' });
    // The count changes 1 ms after the event leaves the window.
    expect(await wakeUpsOf('shopper-1')).toContain((await addedAt('shopper-1')) + WINDOW_MS + 1);
    await waitFor(async () => !(await isMember(itinera, audienceId, 'shopper-1')), { what: 'shopper-1 to leave', timeoutMs: 10_000 });
  });

  it('gives a recheck stored by an earlier version (no wake-up yet) its wake-up when a worker starts', async () => {
    // A longer window, so the recheck is still ahead while the test plays the earlier version.
    const slowAudienceId = (await new AudiencesApi(itinera.graphql).create({
      name: 'Product adders of the last 8 seconds',
      condition: { performed: [{ event: 'Product Added', atLeast: 1, within: 'PT8S' }] },
    })).id;
    expect((await itinera.ingestion.track({ userId: 'shopper-2', event: 'Product Added', properties: {} })).status).toBe(200);
    await waitFor(() => isMember(itinera, slowAudienceId, 'shopper-2'), { what: 'shopper-2 to enter' });
    const leavesAt = (await addedAt('shopper-2')) + 8_000 + 1;
    await waitFor(async () => (await wakeUpsOf('shopper-2', true)).includes(leavesAt), { what: "shopper-2's wake-up" });
    // As an earlier version left it: the recheck stored, not handed over, and no job for it.
    await itinera.db.query(`DELETE FROM pgboss.job WHERE name = 'user-events' AND state = 'created' AND singleton_key LIKE $1`, [
      `${itinera.workspace.workspaceId}:shopper-2:audiences:%`,
    ]);
    await itinera.db.query(`UPDATE audience_rechecks SET enqueued_at = NULL WHERE user_id = 'shopper-2' AND audience_id = $1`, [slowAudienceId]);
    expect(await wakeUpsOf('shopper-2', true)).toEqual([]);

    await itinera.app.get(AudienceRecheckHandover).onApplicationBootstrap();
    expect(await wakeUpsOf('shopper-2', true)).toEqual([leavesAt]);
    await waitFor(async () => !(await isMember(itinera, slowAudienceId, 'shopper-2')), { what: 'shopper-2 to leave', timeoutMs: 20_000 });
  });
});
