import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isUuid } from '../common/cursor';
import { Destination } from '../destinations/destination.entity';
import { isSealed } from '../destinations/settings-cipher';
import { Journey } from '../journeys/journey.entity';
import type { Snapshot } from './audit-changes';

/** The journey fields an update can change, as the draft holds them. */
const JOURNEY_DRAFT_FIELDS = ['trigger', 'entry', 'exit', 'goal', 'steps', 'startStep'];

/**
 * Before and after an update, the record as comparable text per field, so the audit log can name the fields
 * that really changed. Secret settings are compared as "set or not": their stored form changes on every save.
 */
@Injectable()
export class AuditSnapshots {
  private readonly loaders: Record<string, (workspaceId: string, id: string) => Promise<Snapshot | null>> = {
    updateJourney: (workspaceId, id) => this.journey(workspaceId, id),
    updateDestination: (workspaceId, id) => this.destination(workspaceId, id),
  };

  constructor(
    @InjectRepository(Journey) private readonly journeys: Repository<Journey>,
    @InjectRepository(Destination) private readonly destinations: Repository<Destination>,
  ) {}

  /** Null when the operation has no snapshot (its arguments say what it changed) or the record is not there. */
  take(operation: string, workspaceId: string, id: unknown): Promise<Snapshot | null> {
    if (!Object.hasOwn(this.loaders, operation) || !isUuid(id)) return Promise.resolve(null);
    return this.loaders[operation](workspaceId, id);
  }

  private async journey(workspaceId: string, id: string): Promise<Snapshot | null> {
    const journey = await this.journeys.findOne({ where: { id, workspaceId } });
    if (!journey) return null;
    const draft = journey.draft as unknown as Record<string, unknown>;
    const snapshot: Snapshot = { name: JSON.stringify(journey.name), description: JSON.stringify(journey.description) };
    for (const field of JOURNEY_DRAFT_FIELDS) snapshot[field] = JSON.stringify(draft?.[field] ?? null);
    return snapshot;
  }

  private async destination(workspaceId: string, id: string): Promise<Snapshot | null> {
    const destination = await this.destinations.findOne({ where: { id, workspaceId } });
    if (!destination) return null;
    const snapshot: Snapshot = { name: JSON.stringify(destination.name), enabled: JSON.stringify(destination.enabled) };
    for (const [key, value] of Object.entries(destination.settings)) snapshot[`settings.${key}`] = isSealed(value) ? 'secret' : JSON.stringify(value);
    return snapshot;
  }
}
