import type { EntityManager } from 'typeorm';
import type { VersionMigration } from './journey-version.entity';

/**
 * What other modules learn of a journey's life cycle. Called inside the transaction that changes the
 * status, so their work (admitting an audience's members, ending active instances on archive) commits or rolls back with it.
 * Register an implementation as a provider under this class as token.
 */
export abstract class JourneyLifecycleListener {
  /** The journey's first version is frozen (e.g. to admit an audience's current members). */
  abstract journeyPublished(manager: EntityManager, workspaceId: string, journeyId: string): Promise<void>;
  abstract journeyArchived(manager: EntityManager, workspaceId: string, journeyId: string): Promise<void>;
  /** A later version (a published draft version or a rollback) is now the one new instances enter. */
  abstract versionPublished(manager: EntityManager, workspaceId: string, journeyId: string, version: number, migration: VersionMigration): Promise<void>;
}
