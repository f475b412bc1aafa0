import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_JOURNEY_LIMITS } from './journey-limits';
import { DestinationSummary, JourneyInputShape, validateJourneyInput } from './journey-validation';
import { describeChanges } from './version-changes';

const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'examples');
const WEBHOOK_ID = 'c0ffee00-0000-4000-8000-000000000001';
const destinations = new Map<string, DestinationSummary>([
  [WEBHOOK_ID, { plugin: 'webhook', actions: new Map([['send', { fields: { data: { required: true } } }]]) }],
]);

const exampleFiles = readdirSync(EXAMPLES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();

function loadExample(file: string): JourneyInputShape {
  const text = readFileSync(path.join(EXAMPLES_DIR, file), 'utf8');
  return JSON.parse(text.split('"$WEBHOOK"').join(JSON.stringify(WEBHOOK_ID)));
}

describe('examples/', () => {
  it('holds the seven use cases of the use-case guide, the abandoned cart of the trigger-based guide, the A/B test, the time-of-day examples and the send limits', () => {
    expect(exampleFiles).toEqual([
      '01-order-confirmation-forwarding.json',
      '02-application-abandonment.json',
      '03-cart-abandonment.json',
      '04-cart-abandonment-cart-modified.json',
      '05-browse-abandonment.json',
      '06-trial-re-engagement.json',
      '07-multi-step-funnel-loopback.json',
      '08-abandoned-cart-goal-exit.json',
      '09-trial-nudge-ab-test.json',
      '10-trial-ending-morning-reminder.json',
      '11-cart-reminder-quiet-hours.json',
      '12-order-receipt-transactional.json',
      '13-flash-sale-entry-limits.json',
    ]);
  });

  it.each(exampleFiles)('%s is a valid journey once $WEBHOOK names a webhook destination', (file) => {
    const input = loadExample(file);
    const { problems, definition, draft } = validateJourneyInput(input, { limits: DEFAULT_JOURNEY_LIMITS, destinations });
    expect(problems).toEqual([]);
    expect(definition?.steps.map((step) => step.key)).toEqual(input.steps.map((step) => step.key));
    expect(draft.steps.some((step) => step.send?.destinationId === WEBHOOK_ID)).toBe(true);
  });

  it.each(exampleFiles)('%s gives every step an explicit key', (file) => {
    for (const step of loadExample(file).steps) expect(step.key).toMatch(/^[a-z0-9_]+$/);
  });

  it('lists every example in examples/README.md', () => {
    const readme = readFileSync(path.join(EXAMPLES_DIR, 'README.md'), 'utf8');
    for (const file of exampleFiles) expect(readme).toContain(`[${file}](${file})`);
  });

  it('shows each send limit of a journey: a transactional receipt, a cool-down and a daily entry limit', () => {
    expect(loadExample('12-order-receipt-transactional.json').transactional).toBe(true);
    const { definition } = validateJourneyInput(loadExample('13-flash-sale-entry-limits.json'), { limits: DEFAULT_JOURNEY_LIMITS, destinations });
    expect(definition?.entry).toEqual({ mode: 'REENTER_EVERY_TIME', cooldown: 'PT5M', limit: { max: 500, within: 'P1D' } });
  });

  it('keeps the trigger condition of the abandoned cart: total greater than 50', () => {
    const input = loadExample('08-abandoned-cart-goal-exit.json');
    expect(input.trigger.event?.filters).toEqual([{ path: 'properties.total', operator: 'GT', values: [50] }]);
    expect(input.exit).toEqual([{ event: 'Purchase completed' }]);
    expect(input.goal).toEqual({ match: { event: 'Purchase completed' }, targetPercent: 50 });
  });

  it('runs one application-abandonment instance per Application_id', () => {
    expect(loadExample('02-application-abandonment.json').entry?.uniqueIdentifier).toBe('properties.Application_id');
  });

  it('versions/02-application-abandonment-v2.json is a valid version 2 of 02 that keeps its step keys, so its send keys', () => {
    const v1 = loadExample('02-application-abandonment.json');
    const v2 = { ...v1, ...loadExample('versions/02-application-abandonment-v2.json') };
    const [before, after] = [v1, v2].map((input) => validateJourneyInput(input, { limits: DEFAULT_JOURNEY_LIMITS, destinations }));
    expect(after.problems).toEqual([]);
    expect(describeChanges(before.definition!, after.definition!)).toMatchObject({
      stepsAdded: ['wait_after_nudge', 'last_nudge'],
      stepsRemoved: [],
      stepsChanged: ['application_nudge'],
      partsChanged: ['goal'],
    });
  });

  it('resets the cart timer on Cart_Modified', () => {
    const hold = loadExample('04-cart-abandonment-cart-modified.json').steps[0].hold;
    expect(hold?.updateEvents).toEqual([{ event: 'Cart_Modified' }]);
  });
});
