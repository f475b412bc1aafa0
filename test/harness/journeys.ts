import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { GraphqlClient } from './clients';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

/**
 * An example journey from examples/, with its destination placeholder filled in and its durations
 * scaled down (e.g. { PT2H: 'PT2S' }) so tests run in seconds.
 */
export function loadExample(file: string, options: { destinationId: string; durations?: Record<string, string>; name?: string }): any {
  let text = readFileSync(path.join(EXAMPLES, file), 'utf8').replaceAll('"$WEBHOOK"', JSON.stringify(options.destinationId));
  for (const [from, to] of Object.entries(options.durations ?? {})) text = text.replaceAll(`"${from}"`, `"${to}"`);
  const input = JSON.parse(text);
  if (options.name) input.name = options.name;
  return input;
}

export async function createWebhookDestination(graphql: GraphqlClient, url: string, settings: Record<string, unknown> = {}): Promise<string> {
  const { createDestination } = await graphql.query(
    `mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`,
    { input: { name: `webhook ${url}`, plugin: 'webhook', settings: { url, ...settings } } },
  );
  return createDestination.id;
}

export async function publishJourney(graphql: GraphqlClient, input: unknown): Promise<{ id: string; steps: { key: string }[] }> {
  const { createJourney } = await graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, { input });
  const { publishJourney: published } = await graphql.query(
    `mutation ($id: ID!) { publishJourney(id: $id) { id status steps { key } } }`,
    { id: createJourney.id },
  );
  return published;
}

export interface InstanceRow {
  id: string;
  user_id: string;
  unique_id: string | null;
  status: string;
  current_step: string | null;
  exit_reason: string | null;
  converted: boolean;
  context: any;
}

export async function instancesOf(db: Pool, journeyId: string, userId?: string): Promise<InstanceRow[]> {
  const rows = await db.query(
    `SELECT * FROM journey_instances WHERE journey_id = $1 ${userId ? 'AND user_id = $2' : ''} ORDER BY entered_at, id`,
    userId ? [journeyId, userId] : [journeyId],
  );
  return rows.rows;
}

export async function activityTypesOf(db: Pool, instanceId: string): Promise<string[]> {
  const rows = await db.query('SELECT type, step_key FROM activities WHERE instance_id = $1 ORDER BY id', [instanceId]);
  return rows.rows.map((r) => (r.step_key ? `${r.type}:${r.step_key}` : r.type));
}
