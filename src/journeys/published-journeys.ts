import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { JourneyDefinition, JourneyStatus } from '../engine/definition';

export interface RunnableJourney {
  id: string;
  name: string;
  status: JourneyStatus;
  version: number;
  definition: JourneyDefinition;
}

/** Versions are frozen once written, so their parsed definitions can be kept for the process's life. */
const MAX_CACHED_VERSIONS = 2_000;

/** What the runtime reads of journeys: the published ones admitting entries, and frozen versions by number. */
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
    for (const row of rows) this.remember(row.id, row.version, row.definition);
    return rows;
  }

  async definition(manager: EntityManager, journeyId: string, version: number): Promise<JourneyDefinition> {
    const cached = this.versions.get(`${journeyId}:${version}`);
    if (cached) return cached;
    const rows: { definition: JourneyDefinition }[] = await manager.query(
      'SELECT definition FROM journey_versions WHERE journey_id = $1 AND version = $2',
      [journeyId, version],
    );
    if (!rows[0]) throw new Error(`journey ${journeyId} has no version ${version}`);
    this.remember(journeyId, version, rows[0].definition);
    return rows[0].definition;
  }

  private remember(journeyId: string, version: number, definition: JourneyDefinition) {
    if (this.versions.size >= MAX_CACHED_VERSIONS) this.versions.clear();
    this.versions.set(`${journeyId}:${version}`, definition);
  }
}
