import { readdirSync } from 'node:fs';
import path from 'node:path';
import { AppConfig } from '../../src/config/app-config';
import type { JourneyInputShape } from '../../src/journeys/journey-validation';
import { GraphqlClient } from '../harness/clients';
import { loadExample } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';

// --- GraphQL documents ---------------------------------------------------------------------------

export const JOURNEY_FIELDS = `
  fragment Match on EventMatch { event filters { path operator values } }
  fragment Cond on Condition { match filters { path operator values } performed { event filters { path operator values } atLeast atMost within } }
  fragment JourneyFields on Journey {
    id name description status version duplicatedFromId createdAt updatedAt publishedAt startStep
    trigger { type event { ...Match } audienceId audienceFilterId useHistoricalData }
    entry { mode uniqueIdentifier }
    exit { ...Match }
    goal { match { ...Match } targetPercent }
    steps {
      key name type next
      hold { branches { key match { ...Match } next } updateEvents { ...Match } maxDuration timeoutNext }
      wait { duration }
      waitForCondition { condition { ...Cond } maxDuration timeoutNext }
      split { condition { ...Cond } trueNext falseNext }
      multiBranch { branches { key condition { ...Cond } next } elseNext }
      send { destinationId action eventName mapping enabled }
    }
  }`;

/** A thin typed layer over the journey operations, for tests that are about something else. */
export class JourneysApi {
  constructor(readonly graphql: GraphqlClient) {}

  async create(input: JourneyInputShape): Promise<any> {
    const data = await this.graphql.query(`mutation($input: JourneyInput!) { createJourney(input: $input) { ...JourneyFields } } ${JOURNEY_FIELDS}`, { input });
    return data.createJourney;
  }

  async get(id: string): Promise<any> {
    return (await this.graphql.query(`query($id: ID!) { journey(id: $id) { ...JourneyFields } } ${JOURNEY_FIELDS}`, { id })).journey;
  }

  async update(id: string, input: Record<string, unknown>): Promise<any> {
    const data = await this.graphql.query(
      `mutation($id: ID!, $input: JourneyPatchInput!) { updateJourney(id: $id, input: $input) { ...JourneyFields } } ${JOURNEY_FIELDS}`,
      { id, input },
    );
    return data.updateJourney;
  }

  async duplicate(id: string, name: string): Promise<any> {
    const data = await this.graphql.query(
      `mutation($id: ID!, $name: String!) { duplicateJourney(id: $id, name: $name) { ...JourneyFields } } ${JOURNEY_FIELDS}`,
      { id, name },
    );
    return data.duplicateJourney;
  }

  /** publish, pause, resume or archive; returns the journey. */
  async lifecycle(operation: 'publishJourney' | 'pauseJourney' | 'resumeJourney' | 'archiveJourney', id: string): Promise<any> {
    return (await this.graphql.query(`mutation($id: ID!) { ${operation}(id: $id) { ...JourneyFields } } ${JOURNEY_FIELDS}`, { id }))[operation];
  }

  /** The first error of a call expected to fail. */
  lifecycleError(operation: 'publishJourney' | 'pauseJourney' | 'resumeJourney' | 'archiveJourney' | 'deleteJourney', id: string) {
    const selection = operation === 'deleteJourney' ? '' : '{ id }';
    return this.graphql.error(`mutation($id: ID!) { ${operation}(id: $id) ${selection} }`, { id });
  }

  updateError(id: string, input: Record<string, unknown>) {
    return this.graphql.error(`mutation($id: ID!, $input: JourneyPatchInput!) { updateJourney(id: $id, input: $input) { id } }`, { id, input });
  }

  createError(input: JourneyInputShape) {
    return this.graphql.error(`mutation($input: JourneyInput!) { createJourney(input: $input) { id } }`, { input });
  }

  async validate(input: JourneyInputShape): Promise<{ path: string; message: string }[]> {
    return (await this.graphql.query(`query($input: JourneyInput!) { validateJourney(input: $input) { path message } }`, { input })).validateJourney;
  }
}

// --- sample journeys (seed 000 and examples/) ----------------------------------------------------

export const exampleFiles = readdirSync(path.join(__dirname, '..', '..', 'examples'))
  .filter((file) => file.endsWith('.json'))
  .sort();

/** Seed 000's application abandonment: hold Application_Completed for 2 hours, else nudge. */
export function applicationAbandonment(destinationId: string, name = 'Application abandonment nudge'): JourneyInputShape {
  return loadExample('02-application-abandonment.json', { destinationId, name });
}

const DESTINATION_SETTINGS: Record<string, Record<string, unknown>> = {
  webhook: { url: 'http://127.0.0.1:9/x' },
  'tracking-api': { host: 'http://127.0.0.1:9', writeKey: 'itn_wk_test' },
};

/** A destination of `plugin`, created through the destinations API (of another workspace when given its client). */
export async function createDestination(itinera: TestApp, plugin = 'webhook', graphql = itinera.graphql): Promise<string> {
  const { createDestination } = await graphql.query(`mutation($input: DestinationInput!) { createDestination(input: $input) { id } }`, {
    input: { name: `${plugin} ${Math.random().toString(36).slice(2, 8)}`, plugin, settings: DESTINATION_SETTINGS[plugin] },
  });
  return createDestination.id;
}

/** An audience journeys can name, created through the audiences API. */
export async function createAudience(itinera: TestApp, graphql = itinera.graphql): Promise<string> {
  const { createAudience } = await graphql.query(`mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
    input: { name: `trial users ${Math.random().toString(36).slice(2, 8)}`, condition: { filters: [{ path: 'traits.plan', operator: 'EQUALS', values: ['trial'] }] } },
  });
  return createAudience.id;
}

export interface JourneyTestApp extends TestApp {
  journeys: JourneysApi;
}

/** The real application with a typed client for the journey operations. */
export async function startJourneyTestApp(config: Partial<AppConfig> = {}): Promise<JourneyTestApp> {
  const itinera = await startTestApp({ config });
  return Object.assign(itinera, { journeys: new JourneysApi(itinera.graphql) });
}
