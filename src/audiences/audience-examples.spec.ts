import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_JOURNEY_LIMITS } from '../journeys/journey-limits';
import { DestinationSummary, validateJourneyInput } from '../journeys/journey-validation';
import trackingApi from '../../plugins/tracking-api';
import webhook from '../../plugins/webhook';
import { validateAudienceInput } from './audience-validation';

const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'examples', 'audiences');
const AUDIENCE_ID = 'a0d1e2c3-0000-4000-8000-000000000001';
const CHANNELS = ['EMAIL', 'ADS', 'SUPPORT', 'IN_APP', 'PUSH'];
const TRACKING_API_ID = 'c0ffee00-0000-4000-8000-0000000000ff';

const summaryOf = (plugin: typeof webhook | typeof trackingApi): DestinationSummary => ({
  plugin: plugin.name,
  actions: new Map(Object.entries(plugin.actions).map(([name, action]) => [name, { fields: action.fields }])),
});
const destinations = new Map<string, DestinationSummary>([
  ...CHANNELS.map((_, i) => [`c0ffee00-0000-4000-8000-00000000000${i}`, summaryOf(webhook)] as const),
  [TRACKING_API_ID, summaryOf(trackingApi)],
]);

const exampleFiles = readdirSync(EXAMPLES_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort();

function loadExample(file: string) {
  let text = readFileSync(path.join(EXAMPLES_DIR, file), 'utf8').replaceAll('"$AUDIENCE"', JSON.stringify(AUDIENCE_ID));
  CHANNELS.forEach((channel, i) => (text = text.replaceAll(`"$${channel}"`, JSON.stringify(`c0ffee00-0000-4000-8000-00000000000${i}`))));
  return JSON.parse(text.replaceAll('"$TRACKING_API"', JSON.stringify(TRACKING_API_ID)));
}

describe('examples/audiences/', () => {
  it('holds the five journeys of seed 003, the segment journey of seed 002, and membership sent to a tracking API', () => {
    expect(exampleFiles).toEqual([
      '01-cart-abandonment.json',
      '02-low-recency-winback.json',
      '03-trial-to-paid.json',
      '04-onboarding.json',
      '05-paid-subscription.json',
      '06-segment-reactions.json',
      '07-membership-to-tracking-api.json',
    ]);
  });

  it.each(exampleFiles)('%s holds a valid audience (when it brings one) and a journey on it', (file) => {
    const { audience, journey } = loadExample(file);
    if (audience) expect(validateAudienceInput(audience).problems).toEqual([]);
    const { problems } = validateJourneyInput(journey, { limits: DEFAULT_JOURNEY_LIMITS, destinations, audienceIds: new Set([AUDIENCE_ID]) });
    expect(problems).toEqual([]);
    expect(journey.trigger).toMatchObject({ type: 'AUDIENCE', audienceId: AUDIENCE_ID });
  });

  it('lists every example in examples/README.md', () => {
    const readme = readFileSync(path.join(EXAMPLES_DIR, '..', 'README.md'), 'utf8');
    for (const file of exampleFiles) expect(readme).toContain(`[${file}](audiences/${file})`);
  });
});
