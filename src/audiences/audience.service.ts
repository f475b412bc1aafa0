import { isDeepStrictEqual } from 'node:util';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { badUserInput, conflict, notFound } from '../common/errors';
import { AudienceBackfill } from './audience-backfill';
import { holdsWhenEmpty } from './audience-evaluation';
import { AudienceStore, type StoredAudience } from './audience-store';
import { previewAudience, type AudiencePreview } from './audience-preview';
import { validateAudienceCondition, validateAudienceInput, type AudienceInputShape } from './audience-validation';
import type { ConditionInputShape } from '../journeys/journey-validation';

const UNIQUE_NAME_CONSTRAINT = 'audiences_workspace_id_name_key';

/** Audiences of one workspace per call: created validated, then filled in the background. */
@Injectable()
export class AudienceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly backfill: AudienceBackfill,
  ) {}

  list(workspaceId: string): Promise<(StoredAudience & { size: number })[]> {
    return AudienceStore.listWithSizes(this.dataSource.manager, workspaceId);
  }

  /** Who `condition` would admit now (count and sample); refused with every problem of the condition. */
  async preview(workspaceId: string, condition: ConditionInputShape): Promise<AudiencePreview> {
    const validated = validateAudienceCondition(condition);
    if (!validated.condition) throw badUserInput(validated.problems);
    return previewAudience(this.dataSource.manager, workspaceId, validated.condition);
  }

  /** Refuses with every problem; the existing profiles that qualify join by a background job, not in this request. */
  async create(workspaceId: string, input: AudienceInputShape): Promise<StoredAudience> {
    const { problems, audience } = validateAudienceInput(input);
    if (!audience) throw badUserInput(problems);
    return this.withUniqueName(audience.name, () =>
      this.dataSource.transaction(async (manager) => {
        const created = await AudienceStore.insert(manager, workspaceId, audience.name, audience.condition, holdsWhenEmpty(audience.condition));
        await this.backfill.start(manager, workspaceId, created.id);
        return created;
      }),
    );
  }

  /**
   * Renames at any time. A changed condition is refused while a published or paused journey enters from or
   * filters on the audience (its users would silently change under it); otherwise every profile is
   * evaluated again in the background, as for a new audience (`filledAt` is null until that is done).
   */
  async update(workspaceId: string, audienceId: string, input: AudienceInputShape): Promise<StoredAudience & { size: number }> {
    const { problems, audience } = validateAudienceInput(input);
    if (!audience) throw badUserInput(problems);
    return this.withUniqueName(audience.name, () =>
      this.dataSource.transaction(async (manager) => {
        const current = await AudienceStore.lock(manager, workspaceId, audienceId);
        if (!current) throw notFound('audience', audienceId);
        // As stored (jsonb orders keys its own way, and drops undefined ones).
        const conditionChanged = !isDeepStrictEqual(current.condition, JSON.parse(JSON.stringify(audience.condition)));
        if (conditionChanged) await this.refuseWhileLive(manager, workspaceId, audienceId, 'its condition cannot change');
        const updated = await AudienceStore.update(manager, audienceId, audience.name, conditionChanged ? audience.condition : null, holdsWhenEmpty(audience.condition));
        if (conditionChanged) await this.backfill.start(manager, workspaceId, audienceId);
        return { ...updated, size: await AudienceStore.size(manager, audienceId) };
      }),
    );
  }

  /** Refused while a published or paused journey uses the audience; drafts that name it fail validation at publish. */
  async delete(workspaceId: string, audienceId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (!(await AudienceStore.lock(manager, workspaceId, audienceId))) throw notFound('audience', audienceId);
      await this.refuseWhileLive(manager, workspaceId, audienceId, 'it cannot be deleted');
      await AudienceStore.delete(manager, audienceId);
    });
  }

  private async refuseWhileLive(manager: EntityManager, workspaceId: string, audienceId: string, what: string): Promise<void> {
    const journeys = await AudienceStore.liveJourneysUsing(manager, workspaceId, audienceId);
    if (journeys.length) {
      const names = journeys.map((j) => `${JSON.stringify(j.name)} (${j.status.toLowerCase()})`).join(', ');
      throw conflict(`${journeys.length === 1 ? 'a journey uses' : `${journeys.length} journeys use`} this audience, so ${what}: ${names}; archive ${journeys.length === 1 ? 'it' : 'them'} first`);
    }
  }

  private async withUniqueName<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { constraint?: string }).constraint === UNIQUE_NAME_CONSTRAINT) {
        throw conflict(`an audience named ${JSON.stringify(name)} already exists in this workspace`);
      }
      throw error;
    }
  }
}
