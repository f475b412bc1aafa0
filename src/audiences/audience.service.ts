import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import { badUserInput, conflict } from '../common/errors';
import { AudienceBackfill } from './audience-backfill';
import { holdsWhenEmpty } from './audience-evaluation';
import { AudienceStore, type StoredAudience } from './audience-store';
import { validateAudienceInput, type AudienceInputShape } from './audience-validation';

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

  /** Refuses with every problem; the existing profiles that qualify join by a background job, not in this request. */
  async create(workspaceId: string, input: AudienceInputShape): Promise<StoredAudience> {
    const { problems, audience } = validateAudienceInput(input);
    if (!audience) throw badUserInput(problems);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const created = await AudienceStore.insert(manager, workspaceId, audience.name, audience.condition, holdsWhenEmpty(audience.condition));
        await this.backfill.start(manager, workspaceId, created.id);
        return created;
      });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { constraint?: string }).constraint === UNIQUE_NAME_CONSTRAINT) {
        throw conflict(`an audience named ${JSON.stringify(audience.name)} already exists in this workspace`);
      }
      throw error;
    }
  }
}
