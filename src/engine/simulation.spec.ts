import type { JourneyDefinition } from './definition';
import { JourneySimulation, simulationProblems } from './simulation';
import { decisionsOf, readScript, runScript } from './simulation-script';
import { applicationAbandonment, cartModifiedFlow, endStep, HOUR, journey, journeyIdentity, sendStep, T0 } from './seed-events.fixture';

const start = Date.parse(T0);
const simulate = (definition: JourneyDefinition, script: Parameters<typeof readScript>[0], traits: Record<string, unknown> = {}) => {
  const { steps, problems } = readScript(script, start);
  expect(problems).toEqual([]);
  const simulation = new JourneySimulation({ definition, journey: journeyIdentity, userId: 'u1', traits });
  runScript(simulation, steps);
  return simulation;
};
const shape = (simulation: JourneySimulation) => simulation.timeline.map((r) => `${r.type}:${r.stepKey ?? '-'}@${(Date.parse(r.at) - start) / 1000}`);

describe('JourneySimulation', () => {
  it('runs a three-day hold to its timeout at once, on the virtual clock', () => {
    const definition = applicationAbandonment();
    (definition.steps[0] as { hold: { maxDuration: string } }).hold.maxDuration = 'P3D';
    const simulation = simulate(definition, [{ track: { event: 'Application_Started', properties: { Application_id: 'a1' } } }, { advanceTo: 'P4D' }], {
      email: 'ada@example.com',
    });
    expect(shape(simulation)).toEqual([
      'ENTERED:-@0',
      'STEP_ENTERED:await_completion@0',
      `HOLD_TIMED_OUT:await_completion@${72 * HOUR}`,
      `STEP_ENTERED:nudge@${72 * HOUR}`,
      `STEP_ENTERED:done@${72 * HOUR}`,
      `COMPLETED:done@${72 * HOUR}`,
    ]);
    expect(simulation.sends).toHaveLength(1);
    expect(simulation.sends[0]).toMatchObject({ at: new Date(start + 72 * HOUR * 1000).toISOString(), request: { stepKey: 'nudge', context: { traits: { email: 'ada@example.com' } } } });
    expect(simulation.instances[0]).toMatchObject({ status: 'COMPLETED', endedAt: new Date(start + 72 * HOUR * 1000).toISOString() });
  });

  it('restarts the hold on every Cart_Modified: the superseded timers change nothing', () => {
    const simulation = simulate(cartModifiedFlow(), [
      { track: { event: 'Product_Added', properties: { productName: 'T-Shirt' } } },
      { at: 'PT1H', track: { event: 'Cart_Modified', properties: { productName: 'Jeans' } } },
      { at: 'PT2H30M', track: { event: 'Cart_Modified', properties: { productName: 'Socks' } } },
      { advanceTo: 'P1D' },
    ]);
    expect(shape(simulation)).toEqual([
      'ENTERED:-@0',
      'STEP_ENTERED:cart_hold@0',
      `HOLD_UPDATED:cart_hold@${HOUR}`,
      `HOLD_UPDATED:cart_hold@${2.5 * HOUR}`,
      `HOLD_TIMED_OUT:cart_hold@${4.5 * HOUR}`,
      `STEP_ENTERED:cart_reminder@${4.5 * HOUR}`,
      `STEP_ENTERED:done@${4.5 * HOUR}`,
      `COMPLETED:done@${4.5 * HOUR}`,
    ]);
    expect(simulation.sends[0].request.context.events.cart_hold.properties).toEqual({ productName: 'Socks' });
  });

  it('stops where the script stops: an instance still waiting keeps its timer pending', () => {
    const simulation = simulate(cartModifiedFlow(), [{ track: { event: 'Product_Added' } }, { advanceTo: 'PT1H' }]);
    expect(simulation.instances[0]).toMatchObject({ status: 'ACTIVE', currentStep: 'cart_hold', waitingUntil: new Date(start + 2 * HOUR * 1000).toISOString() });
    expect(simulation.clock).toBe(start + HOUR * 1000);
  });

  it('wakes a waiting condition when its window slides, as the runtime’s wake-up jobs do', () => {
    const recent = { event: 'Viewed_Product', filters: [], within: 'PT1H', atLeast: 1 };
    const definition = journey('Trial_Started', [
      {
        key: 'await_quiet',
        name: 'Await quiet',
        type: 'WAIT_FOR_CONDITION',
        waitForCondition: { condition: { match: 'ALL', filters: [], performed: [{ ...recent, atLeast: undefined, atMost: 0 }] }, maxDuration: 'P1D', timeoutNext: 'done' },
        next: 'quiet_nudge',
      },
      sendStep('quiet_nudge', 'done'),
      endStep,
    ]);
    const simulation = simulate(definition, [
      { track: { event: 'Viewed_Product' } },
      { at: 'PT10M', track: { event: 'Trial_Started' } },
      { advanceTo: 'PT3H' },
    ]);
    // The view leaves the one-hour window 1 ms after PT1H: the condition holds from then on.
    const decisions = decisionsOf(definition, simulation.timeline);
    expect(decisions).toEqual([expect.objectContaining({ stepKey: 'await_quiet', branch: 'met', reason: 'the condition held', at: new Date(start + HOUR * 1000 + 1).toISOString() })]);
    expect(simulation.sends.map((s) => s.request.stepKey)).toEqual(['quiet_nudge']);
  });

  it('applies identify calls to waiting conditions and copies the traits into the context', () => {
    const definition = journey('Application_Started', [
      {
        key: 'await_vip',
        name: 'Await VIP',
        type: 'WAIT_FOR_CONDITION',
        waitForCondition: { condition: { match: 'ALL', filters: [{ path: 'traits.vip', operator: 'EQUALS', values: [true] }], performed: [] } },
        next: 'vip_welcome',
      },
      sendStep('vip_welcome'),
    ]);
    const simulation = simulate(definition, [{ track: { event: 'Application_Started' } }, { at: 'PT5M', identify: { traits: { vip: true } } }], { email: 'a@b.c' });
    expect(simulation.sends[0].request.context.traits).toEqual({ email: 'a@b.c', vip: true });
    expect(simulation.instances[0].status).toBe('COMPLETED');
  });

  it('keeps one instance per unique identifier and the entry rules, as admission does live', () => {
    const simulation = simulate(applicationAbandonment(), [
      { track: { event: 'Application_Started', properties: { Application_id: 'a1' } } },
      { at: 'PT1M', track: { event: 'Application_Started', properties: { Application_id: 'a1' } } },
      { at: 'PT2M', track: { event: 'Application_Started', properties: { Application_id: 'a2' } } },
      { at: 'PT3M', track: { event: 'Application_Completed', properties: { Application_id: 'a2' } } },
      { advanceTo: 'PT3H' },
    ]);
    expect(simulation.instances.map((i) => [i.uniqueId, i.status])).toEqual([
      ['a1', 'COMPLETED'],
      ['a2', 'COMPLETED'],
    ]);
    expect(simulation.sends.map((s) => s.request.context.entry.properties.Application_id)).toEqual(['a1']);
    expect(decisionsOf(applicationAbandonment(), simulation.timeline).map((d) => `${d.branch}: ${d.reason}`)).toEqual([
      'completed: event "Application_Completed" matched branch "completed"',
      'timeout: no branch event within PT2H',
    ]);
  });
});

describe('readScript', () => {
  it('lists every problem with its path', () => {
    const { problems } = readScript(
      [
        {},
        { at: 'PT1H', track: { event: 'A' }, identify: { traits: {} } },
        { at: 'soon', track: { event: '' } },
        { at: 'PT2H', advanceTo: 'PT3H' },
        { advanceTo: 'PT1H' },
        { identify: { traits: [] as unknown } },
      ],
      start,
    );
    expect(problems).toEqual([
      { path: 'script[0]', message: 'needs one of track, identify or advanceTo' },
      { path: 'script[1]', message: 'has track and identify; give exactly one per entry' },
      { path: 'script[2].at', message: '"soon" is not an ISO-8601 duration such as "PT2H" or "P3D"' },
      { path: 'script[2].track.event', message: 'needs the event name' },
      { path: 'script[3].at', message: 'advanceTo is its own offset; leave at out' },
      { path: 'script[4].advanceTo', message: '"PT1H" is before the previous entry (the clock never goes back)' },
      { path: 'script[5].identify.traits', message: 'must be a JSON object' },
    ]);
  });

  it('reads offsets from the start, PT0S included, and keeps the clock for entries without one', () => {
    const { steps } = readScript([{ at: 'PT0S', track: { event: 'A' } }, { at: 'P1DT2H', identify: { traits: { a: 1 } } }, { track: { event: 'B' } }], start);
    expect(steps.map((s) => s.at - start)).toEqual([0, 26 * HOUR * 1000, 26 * HOUR * 1000]);
  });
});

describe('simulationProblems', () => {
  it('refuses audience triggers and audience filters, which a simulation cannot evaluate', () => {
    const definition = applicationAbandonment();
    expect(simulationProblems(definition)).toEqual([]);
    expect(simulationProblems({ ...definition, trigger: { type: 'AUDIENCE', audienceId: 'aud-1', useHistoricalData: false } }).map((p) => p.path)).toEqual(['trigger']);
    expect(simulationProblems({ ...definition, trigger: { ...definition.trigger, audienceFilterId: 'aud-2' } }).map((p) => p.path)).toEqual(['trigger.audienceFilterId']);
  });
});
