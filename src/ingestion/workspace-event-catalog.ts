import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { eventsReadBy, type JourneyDefinition } from '../engine';
import type { AcceptedMessage } from './message-validation';

/** What a workspace's journeys can read, as of `version` of its row in `journey_catalog_versions` ('0': none yet). */
export interface EventCatalog {
  version: string;
  /** Some step reads events it does not name, or the workspace has audiences (any event may change a membership). */
  readsEvery: boolean;
  names: ReadonlySet<string>;
}

/** A workspace's catalog as loaded (or loading), and its version once it has loaded. */
interface CatalogEntry {
  catalog: Promise<EventCatalog>;
  version?: string;
}

/** Workspaces whose catalog a process keeps; past it, the least recently loaded is dropped. */
const MAX_WORKSPACES = 10_000;

/**
 * Which events of a workspace some journey could read, so that ingestion gives no runtime job to a user
 * whose new events nothing reads (BENCHMARKS.md, improvement 18): in a typical stream most events are
 * page views and clicks that no journey names, and each job costs more than storing the event.
 *
 * The cache never needs to be current to be safe. Ingestion's statement compares the version it was read
 * at with the stored one, which triggers move in every transaction that changes what journeys or
 * audiences can read (migration EventsNothingReads), and stores every event as one to apply when they
 * differ; the version it answers with then drops the stale entry here.
 *
 * "Could read" covers every version of every journey not archived (instances may still run an old
 * version) and every test version, so a paused journey's waiting instances still see their events.
 */
@Injectable()
export class WorkspaceEventCatalog {
  private readonly entries = new Map<string, CatalogEntry>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  of(workspaceId: string): Promise<EventCatalog> {
    const known = this.entries.get(workspaceId);
    if (known) return known.catalog;
    if (this.entries.size >= MAX_WORKSPACES) this.entries.delete(this.entries.keys().next().value!);
    const entry: CatalogEntry = {
      catalog: this.load(workspaceId).then(
        (loaded) => {
          entry.version = loaded.version;
          return loaded;
        },
        (error: unknown) => {
          if (this.entries.get(workspaceId) === entry) this.entries.delete(workspaceId);
          throw error;
        },
      ),
    };
    this.entries.set(workspaceId, entry);
    return entry.catalog;
  }

  /** The stored version as a statement just saw it: a different one makes the next request reload. */
  noteVersion(workspaceId: string, version: string): void {
    if (this.entries.get(workspaceId)?.version !== version) this.entries.delete(workspaceId);
  }

  /** One statement, so the version and the definitions are of the same snapshot. */
  private async load(workspaceId: string): Promise<EventCatalog> {
    const [row]: { version: string; has_audiences: boolean; definitions: JourneyDefinition[] }[] = await this.dataSource.query(
      `SELECT COALESCE((SELECT version FROM journey_catalog_versions WHERE workspace_id = $1), 0)::text AS version,
              EXISTS (SELECT 1 FROM audiences WHERE workspace_id = $1) AS has_audiences,
              COALESCE((SELECT jsonb_agg(d.definition) FROM (
                SELECT v.definition FROM journey_versions v JOIN journeys j ON j.id = v.journey_id WHERE v.workspace_id = $1 AND j.status <> 'ARCHIVED'
                UNION
                SELECT v.definition FROM journey_test_versions v JOIN journeys j ON j.id = v.journey_id WHERE v.workspace_id = $1 AND j.status <> 'ARCHIVED'
              ) d), '[]'::jsonb) AS definitions`,
      [workspaceId],
    );
    const read = eventsReadBy(row.definitions);
    return { version: row.version, readsEvery: read.every || row.has_audiences, names: read.names };
  }
}

/**
 * Whether the runtime must apply this message: anything but a track call may change what conditions
 * see (traits, identities, page views), and a track call (which carries no traits) matters when some
 * journey reads its event.
 */
export function needsApplying(catalog: EventCatalog, message: AcceptedMessage): boolean {
  return message.type !== 'track' || catalog.readsEvery || catalog.names.has(message.event ?? '');
}
