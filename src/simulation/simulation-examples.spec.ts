import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { durationToMs } from '../engine/duration';
import { JourneySimulation, readScript, runScript } from '../engine';
import { DEFAULT_JOURNEY_LIMITS } from '../journeys/journey-limits';
import { validateJourneyInput, type DestinationSummary, type JourneyInputShape } from '../journeys/journey-validation';

const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'examples');
const WEBHOOK_ID = 'c0ffee00-0000-4000-8000-000000000001';
const destinations = new Map<string, DestinationSummary>([
  [WEBHOOK_ID, { plugin: 'webhook', actions: new Map([['send', { fields: { data: { required: true } } }]]) }],
]);

interface SimulationExample {
  description: string;
  journeyFile: string;
  variables: { profile?: { userId?: string; traits?: Record<string, unknown> }; startAt: string; script: never[] };
  expect: { timeline: string[]; sends: string[] };
}

const files = readdirSync(path.join(EXAMPLES_DIR, 'simulations')).filter((file) => file.endsWith('.json')).sort();

/** `TYPE:step@PT2H` → the record's label and its offset from the start in ms (`PT0S` is 0). */
const expected = (entry: string) => {
  const [label, offset] = entry.split('@');
  return `${label}@${offset === 'PT0S' ? 0 : durationToMs(offset)}`;
};

/** Each example of examples/simulations/ (`simulateJourney` variables) gives the timeline and sends it says, on the engine's simulator. */
describe('examples/simulations/', () => {
  it('holds examples', () => expect(files.length).toBeGreaterThan(0));

  it.each(files)('%s simulates as it says', (file) => {
    const example: SimulationExample = JSON.parse(readFileSync(path.join(EXAMPLES_DIR, 'simulations', file), 'utf8'));
    const input: JourneyInputShape = JSON.parse(readFileSync(path.join(EXAMPLES_DIR, example.journeyFile), 'utf8').split('"$WEBHOOK"').join(JSON.stringify(WEBHOOK_ID)));
    const { definition, problems } = validateJourneyInput(input, { limits: DEFAULT_JOURNEY_LIMITS, destinations });
    expect(problems).toEqual([]);
    const start = Date.parse(example.variables.startAt);
    const script = readScript(example.variables.script, start);
    expect(script.problems).toEqual([]);
    const simulation = new JourneySimulation({
      definition: definition!,
      journey: { id: 'example', name: input.name, version: 1 },
      userId: example.variables.profile?.userId ?? 'simulated-user',
      traits: example.variables.profile?.traits,
    });
    runScript(simulation, script.steps);
    expect(simulation.timeline.map((r) => `${r.type}${r.stepKey && r.type !== 'ENTERED' ? `:${r.stepKey}` : ''}@${Date.parse(r.at) - start}`)).toEqual(
      example.expect.timeline.map(expected),
    );
    expect(simulation.sends.map((s) => `${s.request.stepKey}@${Date.parse(s.at) - start}`)).toEqual(example.expect.sends.map(expected));
  });
});
