import { applyEvent } from '../apply-event';
import { applyTimer } from '../apply-timer';
import type { JourneyDefinition } from '../definition';
import type { EngineResult } from '../engine-result';
import { applicationAbandonment, facts, ids, journeyIdentity, seed, track } from '../seed-events.fixture';
import { startInstance } from '../start-instance';
import type { QuietHours, TimeSettings } from '../time-settings';

const night: QuietHours = { start: '21:00', end: '08:00', mode: 'DEFER', timeZoneTrait: 'traits.timezone' };
const paris = { timezone: 'Europe/Paris', email: 'ada@example.com' };

/** Application abandonment (seed) with its hold run out at `now`: the nudge comes due then. */
function nudgeComesDue(definition: JourneyDefinition, now: string, traits: Record<string, unknown>, workspaceTime?: TimeSettings): EngineResult {
  const entered = startInstance(definition, journeyIdentity, ids, track(seed.applicationStarted, '2026-06-10T10:00:00.000Z'), '1234', facts('2026-06-10T10:00:00.000Z', traits));
  return applyTimer(definition, entered.state, entered.timers[0], { ...facts(now, traits), workspaceTime })!;
}

const activity = (result: EngineResult, type: string) => result.activities.find((a) => a.type === type);

describe('quiet hours on a send that comes due', () => {
  it('sends at once outside the quiet hours', () => {
    const due = nudgeComesDue(applicationAbandonment({ quietHours: night }), '2026-06-10T12:00:00.000Z', paris);
    expect(due.deliveries.map((d) => d.stepKey)).toEqual(['nudge']);
    expect(due.activities.map((a) => a.type)).not.toContain('SEND_DEFERRED');
  });

  it('DEFER: inside the window (23:30 in Paris) waits until its end (08:00), then delivers once with the same idempotency key', () => {
    const definition = applicationAbandonment({ quietHours: night });
    const due = nudgeComesDue(definition, '2026-06-10T21:30:00.000Z', paris);
    expect(due.deliveries).toEqual([]);
    expect(due.state).toMatchObject({ status: 'ACTIVE', currentStep: 'nudge', waitingUntil: '2026-06-11T06:00:00.000Z' });
    expect(activity(due, 'SEND_DEFERRED')?.detail).toEqual({ reason: 'QUIET_HOURS', destinationId: 'dest-email', until: '2026-06-11T06:00:00.000Z', timeZone: 'Europe/Paris' });
    expect(due.timers).toEqual([{ kind: 'QUIET_HOURS_ENDED', stepKey: 'nudge', stepSeq: due.state.stepSeq, dueAt: '2026-06-11T06:00:00.000Z' }]);

    const released = applyTimer(definition, due.state, due.timers[0], facts('2026-06-11T06:00:00.500Z', paris))!;
    expect(released.deliveries).toEqual([expect.objectContaining({ stepKey: 'nudge', visit: 1, idempotencyKey: 'inst-1:nudge:1' })]);
    expect(released.state.status).toBe('COMPLETED');
    // The same timer job delivered again (pg-boss retries) finds the instance moved on.
    expect(applyTimer(definition, released.state, due.timers[0], facts('2026-06-11T06:00:01.000Z', paris))).toBeNull();
  });

  it('DEFER: delivers what the profile holds at the window’s end, not at the deferral', () => {
    const definition = applicationAbandonment({ quietHours: night });
    const due = nudgeComesDue(definition, '2026-06-10T21:30:00.000Z', paris);
    const released = applyTimer(definition, due.state, due.timers[0], facts('2026-06-11T06:00:00.000Z', { ...paris, email: 'ada@new.example.com' }))!;
    expect(released.deliveries[0].context.traits).toEqual({ ...paris, email: 'ada@new.example.com' });
  });

  it('DEFER: a timer that fires late, inside the next night’s window, waits again and is the only one that counts', () => {
    const definition = applicationAbandonment({ quietHours: night });
    const due = nudgeComesDue(definition, '2026-06-10T21:30:00.000Z', paris);
    // The workers were down all day: the timer fires at 22:00 the next evening.
    const late = applyTimer(definition, due.state, due.timers[0], facts('2026-06-11T20:00:00.000Z', paris))!;
    expect(late.deliveries).toEqual([]);
    expect(late.activities.find((a) => a.type === 'SEND_DEFERRED')?.detail).toMatchObject({ until: '2026-06-12T06:00:00.000Z' });
    expect(late.timers).toEqual([{ kind: 'QUIET_HOURS_ENDED', stepKey: 'nudge', stepSeq: due.state.stepSeq + 1, dueAt: '2026-06-12T06:00:00.000Z' }]);
    expect(applyTimer(definition, late.state, due.timers[0], facts('2026-06-11T20:00:01.000Z', paris))).toBeNull();
    expect(applyTimer(definition, late.state, late.timers[0], facts('2026-06-12T06:00:00.000Z', paris))?.deliveries).toHaveLength(1);
  });

  it('DEFER: a send disabled during the deferral is skipped at the window’s end, saying so', () => {
    const definition = applicationAbandonment({ quietHours: night });
    const due = nudgeComesDue(definition, '2026-06-10T21:30:00.000Z', paris);
    const disabled = structuredClone(definition);
    for (const step of disabled.steps) if (step.type === 'SEND') step.send.enabled = false;
    const released = applyTimer(disabled, due.state, due.timers[0], facts('2026-06-11T06:00:00.000Z', paris))!;
    expect(released.deliveries).toEqual([]);
    expect(activity(released, 'SEND_SKIPPED')?.detail).toEqual({ reason: 'DISABLED', destinationId: 'dest-email' });
  });

  it('DEFER: an exit event during the deferral ends the instance, and the send never goes', () => {
    const definition = applicationAbandonment({ quietHours: night, exit: [{ event: 'Application_Completed', filters: [] }] });
    const due = nudgeComesDue(definition, '2026-06-10T21:30:00.000Z', paris);
    const exited = applyEvent(definition, due.state, track(seed.applicationCompleted, '2026-06-10T22:00:00.000Z'), facts('2026-06-10T22:00:00.000Z', paris))!;
    expect(exited.state.status).toBe('EXITED');
    expect(applyTimer(definition, exited.state, due.timers[0], facts('2026-06-11T06:00:00.000Z', paris))).toBeNull();
  });

  it('SKIP: moves on without sending, with the reason on the timeline', () => {
    const due = nudgeComesDue(applicationAbandonment({ quietHours: { ...night, mode: 'SKIP' } }), '2026-06-11T01:00:00.000Z', paris);
    expect(due.deliveries).toEqual([]);
    expect(due.state.status).toBe('COMPLETED');
    expect(activity(due, 'SEND_SKIPPED')?.detail).toEqual({ reason: 'QUIET_HOURS', destinationId: 'dest-email', quietUntil: '2026-06-11T06:00:00.000Z', timeZone: 'Europe/Paris' });
  });

  it('reads the window in the profile’s zone: the same instant is quiet in Paris and not in New York', () => {
    const definition = applicationAbandonment({ quietHours: night });
    expect(nudgeComesDue(definition, '2026-06-10T21:30:00.000Z', { timezone: 'America/New_York' }).deliveries).toHaveLength(1);
  });

  it('uses the workspace’s quiet hours when the journey has none, and the journey’s own when it has them', () => {
    const at = '2026-06-10T21:30:00.000Z';
    expect(activity(nudgeComesDue(applicationAbandonment(), at, paris, { quietHours: night }), 'SEND_DEFERRED')).toBeDefined();
    const lunchOnly: QuietHours = { ...night, start: '12:00', end: '14:00' };
    expect(nudgeComesDue(applicationAbandonment({ quietHours: lunchOnly }), at, paris, { quietHours: night }).deliveries).toHaveLength(1);
  });

  it('a profile without a time zone uses the fallback zone, recorded on the timeline', () => {
    const due = nudgeComesDue(applicationAbandonment({ quietHours: night, timeZone: 'Asia/Tokyo' }), '2026-06-10T14:00:00.000Z', { email: 'ada@example.com' });
    // 23:00 in Tokyo.
    expect(activity(due, 'TIME_ZONE_FALLBACK')?.detail).toEqual({ trait: 'traits.timezone', problem: 'MISSING', timeZone: 'Asia/Tokyo', source: 'JOURNEY' });
    expect(activity(due, 'SEND_DEFERRED')?.detail).toMatchObject({ until: '2026-06-10T23:00:00.000Z', timeZone: 'Asia/Tokyo' });
  });

  it('without quiet hours anywhere, a send does not read the profile’s zone at all', () => {
    const due = nudgeComesDue(applicationAbandonment(), '2026-06-10T21:30:00.000Z', {});
    expect(due.activities.map((a) => a.type)).not.toContain('TIME_ZONE_FALLBACK');
    expect(due.deliveries).toHaveLength(1);
  });
});
