import { DynamicModule, Injectable, Module } from '@nestjs/common';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import trackingApi from '../../plugins/tracking-api';
import webhook from '../../plugins/webhook';
import { AppModule } from '../../src/app.module';
import { AppConfig } from '../../src/config/app-config';
import { AudienceCatalog, DestinationCatalog } from '../../src/journeys/destination-catalog';
import type { DestinationSummary, JourneyInputShape } from '../../src/journeys/journey-validation';
import { DestinationDefinition } from '../../src/plugin-kit';
import { GraphqlClient, GraphqlResponse } from '../harness/clients';
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

/** Who a helper acts for: the test's own workspace unless told otherwise. */
export interface WorkspaceHandle {
  graphql: GraphqlClient;
  workspaceId: string;
}

const ownWorkspace = (itinera: TestApp): WorkspaceHandle => ({ graphql: itinera.graphql, workspaceId: itinera.workspace.workspaceId });

/**
 * A destination of `plugin`: through createDestination where the destinations API is served, else as
 * a row in `destinations`, the way that module stores one.
 */
export async function createDestination(itinera: TestApp, plugin = 'webhook', workspace = ownWorkspace(itinera)): Promise<string> {
  const name = `${plugin} ${Math.random().toString(36).slice(2, 8)}`;
  const settings = DESTINATION_SETTINGS[plugin];
  const result = await workspace.graphql.request(`mutation($input: DestinationInput!) { createDestination(input: $input) { id } }`, {
    input: { name, plugin, settings },
  });
  if (result.data?.createDestination) return result.data.createDestination.id;
  if (!isMissingFromSchema(result)) throw new Error(`createDestination failed: ${JSON.stringify(result.errors)}`);
  const { rows } = await itinera.db.query(`INSERT INTO destinations (workspace_id, name, plugin, settings) VALUES ($1, $2, $3, $4) RETURNING id`, [
    workspace.workspaceId,
    name,
    plugin,
    JSON.stringify(settings),
  ]);
  return rows[0].id;
}

/** An audience journeys can name: through createAudience where served, else one the stand-in catalog knows. */
export async function createAudience(itinera: TestApp, workspace = ownWorkspace(itinera)): Promise<string> {
  const result = await workspace.graphql.request(`mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
    input: { name: `trial users ${Math.random().toString(36).slice(2, 8)}`, condition: { filters: [{ path: 'traits.plan', operator: 'EQUALS', values: ['trial'] }] } },
  });
  if (result.data?.createAudience) return result.data.createAudience.id;
  if (!isMissingFromSchema(result)) throw new Error(`createAudience failed: ${JSON.stringify(result.errors)}`);
  return KNOWN_AUDIENCE_ID;
}

function isMissingFromSchema(result: GraphqlResponse): boolean {
  return result.errors?.[0]?.extensions?.code === 'GRAPHQL_VALIDATION_FAILED';
}

// --- stand-ins for providers other modules register ----------------------------------------------

/** The audience the stand-in AudienceCatalog knows in every workspace. */
const KNOWN_AUDIENCE_ID = 'a0d1e2c3-0000-4000-8000-000000000001';

const PLUGINS = new Map<string, DestinationDefinition<any>>([
  [webhook.name, webhook],
  [trackingApi.name, trackingApi],
]);

/** Reads the `destinations` table and the built-in plugins' actions, as the destinations module's catalog does. */
@Injectable()
class TableDestinationCatalog extends DestinationCatalog {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async forValidation(workspaceId: string): Promise<Map<string, DestinationSummary>> {
    const rows: { id: string; plugin: string }[] = await this.dataSource.query('SELECT id, plugin FROM destinations WHERE workspace_id = $1', [workspaceId]);
    return new Map(
      rows.map((row) => {
        const actions = Object.entries(PLUGINS.get(row.plugin)?.actions ?? {}).map(
          ([name, action]) =>
            [name, { fields: Object.fromEntries(Object.entries(action.fields).map(([field, d]) => [field, { required: d.required, default: d.default }])) }] as const,
        );
        return [row.id, { plugin: row.plugin, actions: new Map(actions) }];
      }),
    );
  }
}

@Injectable()
class FixedAudienceCatalog extends AudienceCatalog {
  async audienceIds(): Promise<Set<string>> {
    return new Set([KNOWN_AUDIENCE_ID]);
  }
}

const STAND_INS = [
  { provide: DestinationCatalog, useClass: TableDestinationCatalog },
  { provide: AudienceCatalog, useClass: FixedAudienceCatalog },
];

/** A global module with a stand-in for each of `tokens`. */
function standInsFor(tokens: Function[]): DynamicModule {
  const providers = STAND_INS.filter((standIn) => tokens.includes(standIn.provide));
  return { module: StandInProvidersModule, global: true, providers, exports: providers.map((p) => p.provide) };
}

@Module({})
class StandInProvidersModule {}

/** Whether one of the application's modules (or the modules they import) provides `token`. */
function provides(modules: unknown[], token: Function, seen = new Set<unknown>()): boolean {
  return modules.some((entry) => {
    if (!entry || seen.has(entry)) return false;
    seen.add(entry);
    const dynamic = typeof entry === 'object' ? (entry as DynamicModule) : undefined;
    const moduleClass = dynamic?.module ?? entry;
    const providers: unknown[] = [...(Reflect.getMetadata('providers', moduleClass as object) ?? []), ...(dynamic?.providers ?? [])];
    const imports: unknown[] = [...(Reflect.getMetadata('imports', moduleClass as object) ?? []), ...(dynamic?.imports ?? [])];
    return providers.some((p) => p === token || (p as { provide?: unknown })?.provide === token) || provides(imports, token, seen);
  });
}

export interface JourneyTestApp extends TestApp {
  journeys: JourneysApi;
}

/**
 * The real application, plus stand-ins for the destination and audience catalogs where no module of the
 * application provides them yet.
 */
export async function startJourneyTestApp(config: Partial<AppConfig> = {}): Promise<JourneyTestApp> {
  const forRoot = AppModule.forRoot.bind(AppModule);
  const spy = jest.spyOn(AppModule, 'forRoot').mockImplementation((appConfig) => {
    const root = forRoot(appConfig);
    const missing = [DestinationCatalog, AudienceCatalog].filter((token) => !provides(root.imports ?? [], token));
    return { ...root, imports: [...(root.imports ?? []), standInsFor(missing)] };
  });
  try {
    const itinera = await startTestApp({ config });
    return Object.assign(itinera, { journeys: new JourneysApi(itinera.graphql) });
  } finally {
    spy.mockRestore();
  }
}
