import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JourneyDefinition, JourneyStatus } from '../engine/definition';

export interface RunnableJourney {
  id: string;
  name: string;
  status: JourneyStatus;
  version: number;
  definition: JourneyDefinition;
  /** A journey under test: only the workspace's test profiles enter it, at its test version. */
  test?: boolean;
}

/** Versions are frozen once written, so their parsed definitions can be kept for the process's life. */
const MAX_CACHED_VERSIONS = 2_000;

/**
 * What the runtime reads of journeys: the published ones admitting entries, those under test, and frozen
 * versions by number (test versions are numbered apart, in `journey_test_versions`).
 */
@Injectable()
export class PublishedJourneys {
  private readonly versions = new Map<string, JourneyDefinition>();

  /** Journeys that admit new entries now (PUBLISHED; paused and archived ones admit no one), at their current version. */
  async admitting(manager: EntityManager, workspaceId: string): Promise<RunnableJourney[]> {
    const rows: { id: string; name: string; status: JourneyStatus; version: number; definition: JourneyDefinition }[] = await manager.query(
      `SELECT j.id, j.name, j.status, j.version, v.definition
       FROM journeys j JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.version
       WHERE j.workspace_id = $1 AND j.status = 'PUBLISHED'
       ORDER BY j.published_at, j.id`,
      [workspaceId],
    );
    for (const row of rows) this.remember(row.id, row.version, false, row.definition);
    return rows;
  }

  /**
   * Journeys in test mode (DRAFT or PAUSED, see journey-tests.ts) at the test version new test entries run.
   * Publishing, resuming or archiving a journey ends its test mode; the status check covers the same.
   */
  async underTest(manager: EntityManager, workspaceId: string): Promise<RunnableJourney[]> {
    const rows: RunnableJourney[] = await manager.query(
      `SELECT j.id, j.name, j.status, t.version, v.definition, true AS test
       FROM journey_tests t JOIN journeys j ON j.id = t.journey_id
       JOIN journey_test_versions v ON v.journey_id = t.journey_id AND v.version = t.version
       WHERE t.workspace_id = $1 AND j.status IN ('DRAFT', 'PAUSED')
       ORDER BY t.started_at, j.id`,
      [workspaceId],
    );
    for (const row of rows) this.remember(row.id, row.version, true, row.definition);
    return rows;
  }

  /** The frozen definition of a version, or of a test version when `test`. */
  async definition(manager: EntityManager, journeyId: string, version: number, test = false): Promise<JourneyDefinition> {
    const cached = this.versions.get(cacheKey(journeyId, version, test));
    if (cached) return cached;
    const rows: { definition: JourneyDefinition }[] = await manager.query(
      `SELECT definition FROM ${test ? 'journey_test_versions' : 'journey_versions'} WHERE journey_id = $1 AND version = $2`,
      [journeyId, version],
    );
    if (!rows[0]) throw new Error(`journey ${journeyId} has no ${test ? 'test ' : ''}version ${version}`);
    this.remember(journeyId, version, test, rows[0].definition);
    return rows[0].definition;
  }

  private remember(journeyId: string, version: number, test: boolean, definition: JourneyDefinition) {
    if (this.versions.size >= MAX_CACHED_VERSIONS) this.versions.clear();
    this.versions.set(cacheKey(journeyId, version, test), definition);
  }
}

function cacheKey(journeyId: string, version: number, test: boolean): string {
  return `${journeyId}:${test ? 'test:' : ''}${version}`;
}
