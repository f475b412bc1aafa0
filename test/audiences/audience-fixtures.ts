import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RecordingServer } from '@itinera/plugin-kit/testing';
import { GraphqlClient } from '../harness/clients';
import { publishJourney } from '../harness/journeys';
import type { TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples', 'audiences');

export const AUDIENCE_FIELDS = `id name size filledAt condition { match filters { path operator values } performed { event filters { path operator values } atLeast atMost within } }`;

export interface AudienceExample {
  audience?: { name: string; condition: Record<string, unknown> };
  journey: any;
}

/**
 * An example of examples/audiences/ with its placeholders (`"$AUDIENCE"`, `"$EMAIL"`, ...) replaced and its
 * durations scaled down (e.g. { P1D: 'PT3S' }) so tests run in seconds.
 */
export function loadAudienceExample(file: string, ids: Record<string, string>, durations: Record<string, string> = {}): AudienceExample {
  let text = readFileSync(path.join(EXAMPLES, file), 'utf8');
  for (const [placeholder, id] of Object.entries(ids)) text = text.replaceAll(`"$${placeholder}"`, JSON.stringify(id));
  for (const [from, to] of Object.entries(durations)) text = text.replaceAll(`"${from}"`, `"${to}"`);
  return JSON.parse(text);
}

export interface Audience {
  id: string;
  name: string;
  size: number;
  filledAt: string | null;
  condition: any;
}

export class AudiencesApi {
  constructor(readonly graphql: GraphqlClient) {}

  async create(input: { name: string; condition: Record<string, unknown> }): Promise<Audience> {
    return (await this.graphql.query(`mutation($input: AudienceInput!) { createAudience(input: $input) { ${AUDIENCE_FIELDS} } }`, { input }))
      .createAudience;
  }

  createError(input: unknown) {
    return this.graphql.error(`mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`, { input: input as Record<string, unknown> });
  }

  async list(): Promise<Audience[]> {
    return (await this.graphql.query(`{ audiences { ${AUDIENCE_FIELDS} } }`)).audiences;
  }

  async size(id: string): Promise<number | undefined> {
    return (await this.list()).find((audience) => audience.id === id)?.size;
  }

  /** Waits until the profiles that existed when the audience was created have all been evaluated. */
  waitUntilFilled(id: string): Promise<Audience> {
    return waitFor(async () => (await this.list()).find((audience) => audience.id === id && audience.filledAt), { what: `audience ${id} to fill` });
  }

  /** Waits until the audience has exactly `size` members (a new audience fills in the background). */
  waitForSize(id: string, size: number, timeoutMs = 15_000): Promise<true> {
    return waitFor(async () => (await this.size(id)) === size, { what: `audience ${id} to have ${size} members`, timeoutMs });
  }
}

/** Creates a webhook destination per name, each posting to `<receiver>/<name>` so a test sees which channel got what. */
export async function createChannels(graphql: GraphqlClient, receiver: RecordingServer, names: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const name of names) {
    const { createDestination } = await graphql.query(`mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`, {
      input: { name, plugin: 'webhook', settings: { url: `${receiver.url}/${name.toLowerCase()}` } },
    });
    ids[name] = createDestination.id;
  }
  return ids;
}

/** Creates the example's audience, then publishes its journey on it. */
export async function publishAudienceExample(
  itinera: TestApp,
  file: string,
  ids: Record<string, string>,
  durations: Record<string, string> = {},
  adjust: (example: AudienceExample) => void = () => undefined,
): Promise<{ audienceId: string; journeyId: string; example: AudienceExample }> {
  const audiences = new AudiencesApi(itinera.graphql);
  let audienceId = ids.AUDIENCE;
  if (!audienceId) {
    audienceId = (await audiences.create(loadAudienceExample(file, ids, durations).audience!)).id;
    // useHistoricalData admits the members at publish: the existing profiles must have been evaluated by then.
    await audiences.waitUntilFilled(audienceId);
  }
  const example = loadAudienceExample(file, { ...ids, AUDIENCE: audienceId }, durations);
  adjust(example);
  const journey = await publishJourney(itinera.graphql, example.journey);
  return { audienceId, journeyId: journey.id, example };
}

/** What a webhook channel received, as `{ channel, key, event, userId }`, in arrival order. */
export function channelDeliveries(receiver: RecordingServer, userId?: string): { channel: string; key: string; event: string; userId: string }[] {
  return receiver.requests
    .map((request) => ({ channel: request.path.replace(/^\//, ''), body: request.json as any }))
    .filter(({ body }) => body && typeof body.key === 'string' && (!userId || body.userId === userId))
    .map(({ channel, body }) => ({ channel, key: body.key, event: body.event, userId: body.userId }));
}

/** Waits until `userId` has received `count` webhook deliveries, and returns them. */
export function waitForDeliveries(receiver: RecordingServer, userId: string, count: number, timeoutMs = 15_000) {
  return waitFor(
    () => {
      const found = channelDeliveries(receiver, userId);
      return found.length >= count ? found : undefined;
    },
    { what: `${count} deliveries to ${userId}`, timeoutMs },
  );
}

export async function isMember(itinera: TestApp, audienceId: string, userId: string): Promise<boolean> {
  const { rows } = await itinera.db.query('SELECT 1 FROM audience_memberships WHERE audience_id = $1 AND user_id = $2', [audienceId, userId]);
  return rows.length > 0;
}

/** Waits until every event accepted for the user so far has been applied by the runtime. */
export function eventsApplied(itinera: TestApp, userId: string): Promise<true> {
  return waitFor(
    async () => {
      const { rows } = await itinera.db.query(
        `SELECT (SELECT count(*) FROM events WHERE workspace_id = $1 AND user_id = $2) AS stored,
                (SELECT max(seq) FROM events WHERE workspace_id = $1 AND user_id = $2 AND applies) AS last,
                (SELECT applied_seq FROM event_cursors WHERE workspace_id = $1 AND user_id = $2) AS applied`,
        [itinera.workspace.workspaceId, userId],
      );
      // Events no journey or audience could read when they were accepted have nothing to apply (issue 19).
      return rows[0].stored !== '0' && (rows[0].last === null || rows[0].last === rows[0].applied);
    },
    { what: `the events of ${userId} to be applied` },
  );
}
