import { instancesOf } from '../harness/journeys';
import { waitFor } from '../harness/wait-for';
import { createDestination, JourneyTestApp, JOURNEY_FIELDS, startJourneyTestApp } from './journey-fixtures';

const VERSIONS = `versions {
  version publishedAt publishedByTokenId publishedByTokenName restoredFrom migration current activeInstances
  changes { stepsAdded stepsRemoved stepsChanged partsChanged summary }
  stats { entered active completed exited atStep { stepKey active } }
}`;

/** Issue 18, versions of a live journey: draft versions, publishing with or without moving instances, history, stats and rollback. */
describe('versions of a live journey', () => {
  let itinera: JourneyTestApp;
  let destinationId: string;
  let admin: JourneyTestApp['graphql'];
  let adminTokenId: string;

  const api = () => itinera.journeys;
  const send = (key: string, next?: string) => ({ key, name: key, type: 'SEND', next, send: { destinationId, action: 'send', mapping: { data: { step: key } } } });
  const hold = (key: string, event: string, next: string, maxDuration: string, timeoutNext = next) => ({
    key,
    name: key,
    type: 'HOLD_UNTIL',
    hold: { branches: [{ key: 'matched', match: { event }, next }], maxDuration, timeoutNext },
  });
  const track = (userId: string, event: string) => ({ type: 'track', userId, event });
  const instance = async (journeyId: string, userId: string) => (await instancesOf(itinera.db, journeyId, userId))[0] as any;
  const deliveredSteps = async (journeyId: string, userId: string) =>
    (await itinera.db.query('SELECT step_key, idempotency_key FROM deliveries WHERE journey_id = $1 AND user_id = $2 ORDER BY created_at', [journeyId, userId])).rows;

  const call = async (operation: string, variables: Record<string, unknown>, signature: string, args: string) =>
    (await admin.query(`mutation(${signature}) { ${operation}(${args}) { ...JourneyFields draftVersion ${VERSIONS} } } ${JOURNEY_FIELDS}`, variables))[operation];
  const createVersion = (id: string) => call('createJourneyVersion', { id }, '$id: ID!', 'id: $id');
  const publishVersion = (id: string, migration?: string) =>
    call('publishJourneyVersion', { id, migration }, '$id: ID!, $migration: VersionMigration', 'id: $id, migration: $migration');
  const rollback = (id: string, version: number) => call('rollbackJourney', { id, version }, '$id: ID!, $version: Int!', 'id: $id, version: $version');
  const journey = async (id: string) => (await admin.query(`query($id: ID!) { journey(id: $id) { ...JourneyFields draftVersion ${VERSIONS} } } ${JOURNEY_FIELDS}`, { id })).journey;
  const update = (id: string, input: Record<string, unknown>) =>
    admin.query(`mutation($id: ID!, $input: JourneyPatchInput!) { updateJourney(id: $id, input: $input) { ...JourneyFields draftVersion } } ${JOURNEY_FIELDS}`, { id, input }).then((d) => d.updateJourney);

  beforeAll(async () => {
    itinera = await startJourneyTestApp();
    destinationId = await createDestination(itinera);
    const { createApiToken } = await itinera.graphql.query(`mutation { createApiToken(name: "Release script", scope: ADMIN) { secret token { id } } }`);
    admin = itinera.graphql.withToken(createApiToken.secret);
    adminTokenId = createApiToken.token.id;
  });
  afterAll(() => itinera.close());

  async function publishedJourney(name: string, steps: unknown[]) {
    const created = await api().create({ name, trigger: { type: 'EVENT', event: { event: `${name} started` } }, steps } as never);
    return api().lifecycle('publishJourney', created.id);
  }

  it('publishes a draft version: new entries go to it at once, in-flight instances finish on theirs, persisting steps keep their send keys', async () => {
    const v1 = await publishedJourney('Stay', [send('welcome', 'wait_done'), hold('wait_done', 'Done', 'thanks_a', 'PT1M'), send('thanks_a')]);
    expect((await itinera.ingestion.batch([track('stay-old', 'Stay started')])).status).toBe(200);
    await waitFor(async () => (await instance(v1.id, 'stay-old'))?.current_step === 'wait_done', { what: 'stay-old waiting on version 1' });

    const opened = await createVersion(v1.id);
    expect(opened).toMatchObject({ status: 'PUBLISHED', version: 1, draftVersion: 2 });
    // Any change, as on a draft: a renamed step, a new step, a changed hold, a changed entry rule; an unfinished state is saved.
    const unfinished = await update(v1.id, { steps: [send('welcome', 'wait_done'), hold('wait_done', 'Done', 'nowhere', 'PT1M')] });
    expect(unfinished.steps.map((s: any) => s.key)).toEqual(['welcome', 'wait_done']);
    const refused = await admin.request(`mutation($id: ID!) { publishJourneyVersion(id: $id) { id } }`, { id: v1.id });
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0].extensions?.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'steps[1].hold.branches[0].next' })]));
    await update(v1.id, {
      entry: { mode: 'ONCE' },
      steps: [{ ...send('welcome', 'wait_done'), name: 'Welcome!' }, hold('wait_done', 'Done', 'thanks_b', 'PT1M'), send('thanks_b')],
    });
    // Still running version 1 meanwhile.
    expect(await journey(v1.id)).toMatchObject({ version: 1, draftVersion: 2, versions: [{ version: 1, current: true }] });

    const v2 = await publishVersion(v1.id);
    expect(v2).toMatchObject({ version: 2, draftVersion: null, entry: { mode: 'ONCE' } });
    expect(v2.versions).toHaveLength(2);
    expect(v2.versions[0]).toMatchObject({
      version: 2,
      current: true,
      migration: 'STAY',
      publishedByTokenId: adminTokenId,
      publishedByTokenName: 'Release script',
      restoredFrom: null,
      changes: {
        stepsAdded: ['thanks_b'],
        stepsRemoved: ['thanks_a'],
        stepsChanged: ['welcome', 'wait_done'],
        partsChanged: ['entry'],
        summary: 'Added step thanks_b, removed step thanks_a, changed steps welcome, wait_done and changed the entry.',
      },
    });
    // Version 1 was published with the workspace's first token.
    expect(v2.versions[1]).toMatchObject({ version: 1, current: false, publishedByTokenName: 'initial admin token', changes: { summary: 'First version.' }, activeInstances: 1 });

    expect((await itinera.ingestion.batch([track('stay-new', 'Stay started')])).status).toBe(200);
    await waitFor(async () => (await instance(v1.id, 'stay-new'))?.current_step === 'wait_done', { what: 'stay-new waiting' });
    expect((await instance(v1.id, 'stay-new')).journey_version).toBe(2);
    expect((await instance(v1.id, 'stay-old')).journey_version).toBe(1);

    // The same event, applied by each instance's own version.
    expect((await itinera.ingestion.batch([track('stay-old', 'Done'), track('stay-new', 'Done')])).status).toBe(200);
    await waitFor(async () => (await deliveredSteps(v1.id, 'stay-old')).length === 2 && (await deliveredSteps(v1.id, 'stay-new')).length === 2, { what: 'both thanked' });
    expect((await deliveredSteps(v1.id, 'stay-old')).map((d: any) => d.step_key)).toEqual(['welcome', 'thanks_a']);
    const newer = await deliveredSteps(v1.id, 'stay-new');
    expect(newer.map((d: any) => d.step_key)).toEqual(['welcome', 'thanks_b']);
    // `welcome` persisted: the destination sees the same step key, and the idempotency key is built on it.
    const stayNew = await instance(v1.id, 'stay-new');
    expect(newer[0].idempotency_key).toBe(`${stayNew.id}:welcome:1`);

    const stats = (await journey(v1.id)).versions;
    expect(stats.map((v: any) => [v.version, v.stats.entered, v.stats.completed])).toEqual([
      [2, 1, 1],
      [1, 1, 1],
    ]);
    // Entry ONCE counts entries of every version: stay-old entered version 1 and may not enter version 2.
    expect((await itinera.ingestion.batch([track('stay-old', 'Stay started')])).status).toBe(200);
    expect((await itinera.ingestion.batch([track('stay-new', 'Stay started'), track('stay-third', 'Stay started')])).status).toBe(200);
    await waitFor(async () => (await instance(v1.id, 'stay-third'))?.journey_version === 2, { what: 'a third user entering version 2' });
    expect(await instancesOf(itinera.db, v1.id, 'stay-old')).toHaveLength(1);
    expect(await instancesOf(itinera.db, v1.id, 'stay-new')).toHaveLength(1);
    const { stats: total } = await admin.query(`query($id: ID!) { journey(id: $id) { stats { entered } } }`, { id: v1.id }).then((d) => d.journey);
    expect(total.entered).toBe(3);
  });

  it('MOVE_BY_STEP_KEY moves instances to the same step of the new version, keeping a pending timer\'s due time; those whose step is gone stay', async () => {
    const v1 = await publishedJourney('Move', [hold('first_hold', 'Next', 'second_hold', 'PT5M'), hold('second_hold', 'Done', 'nudge_a', 'PT4S'), send('nudge_a')]);
    expect((await itinera.ingestion.batch([track('move-first', 'Move started'), track('move-second', 'Move started'), track('move-second', 'Next')])).status).toBe(200);
    const waiting = await waitFor(async () => {
      const second = await instance(v1.id, 'move-second');
      return second?.current_step === 'second_hold' && (await instance(v1.id, 'move-first'))?.current_step === 'first_hold' && second;
    }, { what: 'one user at each hold' });
    const dueAt = waiting.waiting_until.getTime();

    await createVersion(v1.id);
    // The hold's timeout now leads to nudge_b and lasts a minute; first_hold is gone.
    await update(v1.id, { steps: [hold('second_hold', 'Done', 'nudge_b', 'PT1M'), send('nudge_b')] });
    const published = await publishVersion(v1.id, 'MOVE_BY_STEP_KEY');
    expect(published.versions[0]).toMatchObject({ version: 2, migration: 'MOVE_BY_STEP_KEY', changes: { stepsRemoved: ['first_hold', 'nudge_a'], stepsAdded: ['nudge_b'] } });

    const moved = await waitFor(async () => {
      const second = await instance(v1.id, 'move-second');
      return second.journey_version === 2 && second;
    }, { what: 'move-second on version 2' });
    expect(moved).toMatchObject({ current_step: 'second_hold', status: 'ACTIVE', step_seq: waiting.step_seq });
    expect(moved.waiting_until.getTime()).toBe(dueAt);
    const first = await instance(v1.id, 'move-first');
    expect(first).toMatchObject({ journey_version: 1, current_step: 'first_hold', status: 'ACTIVE' });
    const activity = await itinera.db.query(`SELECT type, step_key, detail FROM activities WHERE instance_id = $1 AND type = 'VERSION_MOVED'`, [moved.id]);
    expect(activity.rows).toEqual([{ type: 'VERSION_MOVED', step_key: 'second_hold', detail: { from: 1, to: 2 } }]);
    const history = (await journey(v1.id)).versions;
    expect(history.map((v: any) => [v.version, v.activeInstances, v.stats.atStep])).toEqual([
      [2, 1, [{ stepKey: 'second_hold', active: 1 }]],
      [1, 1, [{ stepKey: 'first_hold', active: 1 }]],
    ]);

    // The timer set by version 1 fires at its own due time (not a minute later), under version 2's rules.
    const timedOut = await waitFor(async () => {
      const second = await instance(v1.id, 'move-second');
      return second.status !== 'ACTIVE' && second;
    }, { what: 'the moved hold timing out', timeoutMs: 20_000 });
    expect(timedOut.ended_at.getTime()).toBeLessThan(dueAt + 20_000);
    expect(timedOut.ended_at.getTime()).toBeGreaterThanOrEqual(dueAt);
    expect((await deliveredSteps(v1.id, 'move-second')).map((d: any) => d.step_key)).toEqual(['nudge_b']);

    // The user left behind still runs version 1, whose next step exists there.
    expect((await itinera.ingestion.batch([track('move-first', 'Next')])).status).toBe(200);
    await waitFor(async () => (await instance(v1.id, 'move-first'))?.current_step === 'second_hold', { what: 'move-first on at version 1' });
    expect((await instance(v1.id, 'move-first')).journey_version).toBe(1);
  });

  it('MOVE_BY_STEP_KEY checks a moved condition under the new version at once, without waiting for an event', async () => {
    const waitFor_ = (plan: string) => ({
      key: 'wait_for_plan',
      name: 'Wait for the plan',
      type: 'WAIT_FOR_CONDITION',
      next: 'on_plan',
      waitForCondition: { condition: { filters: [{ path: 'traits.plan', operator: 'EQUALS', values: [plan] }] }, maxDuration: 'PT10M', timeoutNext: 'on_plan' },
    });
    const v1 = await publishedJourney('Condition', [waitFor_('paid'), { key: 'on_plan', name: 'On plan', type: 'END' }]);
    expect((await itinera.ingestion.identify({ userId: 'on-trial', traits: { plan: 'trial' } })).status).toBe(200);
    expect((await itinera.ingestion.batch([track('on-trial', 'Condition started')])).status).toBe(200);
    await waitFor(async () => (await instance(v1.id, 'on-trial'))?.current_step === 'wait_for_plan', { what: 'a user waiting for a paid plan' });

    await createVersion(v1.id);
    await update(v1.id, { steps: [waitFor_('trial'), { key: 'on_plan', name: 'On plan', type: 'END' }] });
    await publishVersion(v1.id, 'MOVE_BY_STEP_KEY');
    const done = await waitFor(async () => {
      const row = await instance(v1.id, 'on-trial');
      return row.status === 'COMPLETED' && row;
    }, { what: 'the moved instance meeting the new condition' });
    expect(done.journey_version).toBe(2);
    const branches = await itinera.db.query(`SELECT detail->>'branch' AS branch FROM activities WHERE instance_id = $1 AND type = 'BRANCH_TAKEN'`, [done.id]);
    expect(branches.rows).toEqual([{ branch: 'met' }]);
  });

  it('rolls back: an earlier version published again as the newest, after checks against the journey\'s state', async () => {
    const v1 = await publishedJourney('Rollback', [hold('wait_done', 'Done', 'thanks_a', 'PT1M'), send('thanks_a')]);
    await createVersion(v1.id);
    await update(v1.id, { steps: [hold('wait_done', 'Done', 'thanks_b', 'PT1M'), send('thanks_b')] });
    await publishVersion(v1.id);

    const current = await admin.request(`mutation($id: ID!) { rollbackJourney(id: $id, version: 2) { id } }`, { id: v1.id });
    expect(current.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    await createVersion(v1.id);
    const whileOpen = await admin.request(`mutation($id: ID!) { rollbackJourney(id: $id, version: 1) { id } }`, { id: v1.id });
    expect(whileOpen.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_STATE' } });
    const discarded = await admin.query(`mutation($id: ID!) { discardJourneyVersion(id: $id) { draftVersion steps { key } } }`, { id: v1.id });
    expect(discarded.discardJourneyVersion).toEqual({ draftVersion: null, steps: [{ key: 'wait_done' }, { key: 'thanks_b' }] });

    const v3 = await rollback(v1.id, 1);
    expect(v3).toMatchObject({ version: 3, draftVersion: null });
    expect(v3.steps).toEqual(v1.steps);
    expect(v3.versions[0]).toMatchObject({
      version: 3,
      restoredFrom: 1,
      current: true,
      publishedByTokenName: 'Release script',
      changes: { stepsAdded: ['thanks_a'], stepsRemoved: ['thanks_b'], stepsChanged: ['wait_done'] },
    });
    expect((await itinera.ingestion.batch([track('rolled', 'Rollback started'), track('rolled', 'Done')])).status).toBe(200);
    await waitFor(async () => (await deliveredSteps(v1.id, 'rolled')).length === 1, { what: 'the rolled-back journey sending' });
    expect((await deliveredSteps(v1.id, 'rolled'))[0].step_key).toBe('thanks_a');
    expect((await instance(v1.id, 'rolled')).journey_version).toBe(3);
  });

  it('refuses versions of a draft, a second open version, and publishing without one', async () => {
    const draft = await api().create({ name: 'Only a draft', trigger: { type: 'EVENT', event: { event: 'x' } }, steps: [] } as never);
    expect((await admin.error(`mutation($id: ID!) { createJourneyVersion(id: $id) { id } }`, { id: draft.id })).extensions?.code).toBe('INVALID_STATE');
    const live = await publishedJourney('Open twice', [send('only')]);
    expect((await admin.error(`mutation($id: ID!) { publishJourneyVersion(id: $id) { id } }`, { id: live.id })).message).toMatch(/no open draft version/);
    await createVersion(live.id);
    expect((await admin.error(`mutation($id: ID!) { createJourneyVersion(id: $id) { id } }`, { id: live.id })).message).toMatch(/version 2 is already open/);
    // Archiving drops the open version: the journey shows what ran.
    await update(live.id, { steps: [send('other')] });
    const archived = await api().lifecycle('archiveJourney', live.id);
    expect(archived.steps.map((s: any) => s.key)).toEqual(['only']);
    expect((await journey(live.id)).draftVersion).toBeNull();
  });
});
