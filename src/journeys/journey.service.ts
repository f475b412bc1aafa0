import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, QueryFailedError, Repository } from 'typeorm';
import { checkPageSize, isUuid } from '../common/cursor';
import { decodeKeysetCursor, keysetPage } from '../common/keyset-page';
import { badUserInput, conflict, invalidState, limitExceeded, notFound, Problem } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AudienceCatalog, DestinationCatalog, loadValidationContext } from './destination-catalog';
import type { JourneyDefinition, JourneyDraft, JourneyStatus } from '../engine/definition';
import { freezeVersion, withoutOpenVersion, type Publisher } from './frozen-versions';
import { duplicateDraft } from './journey-duplication';
import { checkNameAndDescription, mergeDraft, type JourneyPatch } from './journey-drafts';
import { JourneyLifecycleListener } from './journey-lifecycle';
import { journeyStats, type JourneyStats, type StatsShape } from './journey-stats';
import { JourneyTests } from './journey-tests';
import { checkLiveEdit } from './live-journey-edits';
import {
  JourneyInputShape,
  normalizeJourneyInput,
  publishedLimitProblem,
  validateJourneyDraft,
  validateJourneyInput,
  ValidationContext,
} from './journey-validation';
import { Journey } from './journey.entity';
import { refuseOversizedMappings } from './send-mapping-size';


export interface JourneyListOptions {
  status?: JourneyStatus | null;
  first?: number | null;
  after?: string | null;
}

export interface JourneyPage {
  nodes: Journey[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;
const UNIQUE_NAME_CONSTRAINT = 'journeys_workspace_id_name_key';
/** The statuses that count against the per-workspace limit: a paused journey can be resumed at any time. */
const LIVE_STATUSES: JourneyStatus[] = ['PUBLISHED', 'PAUSED'];

/** Journey definitions and their life cycle, scoped to one workspace per call. */
@Injectable()
export class JourneyService {
  constructor(
    @InjectRepository(Journey) private readonly journeys: Repository<Journey>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Ports, bound by the destinations, audiences and instances modules (see JourneysModule).
    private readonly destinationCatalog: DestinationCatalog,
    private readonly audienceCatalog: AudienceCatalog,
    private readonly lifecycle: JourneyLifecycleListener,
    private readonly tests: JourneyTests,
  ) {}

  // --- reading ---------------------------------------------------------------------------------

  /** Oldest first, by (createdAt, id); the cursor is opaque to callers. */
  async list(workspaceId: string, { status, first, after }: JourneyListOptions = {}): Promise<JourneyPage> {
    const size = checkPageSize(first ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    const position = after == null ? null : decodeKeysetCursor(after, ['timestamp', 'uuid']);

    const query = this.journeys.createQueryBuilder('journey').where('journey.workspace_id = :workspaceId', { workspaceId });
    if (status) query.andWhere('journey.status = :status', { status });
    const totalCount = await query.clone().getCount();
    if (position) {
      query.andWhere('(journey.created_at, journey.id) > (CAST(:at AS timestamptz), CAST(:id AS uuid))', { at: position[0], id: position[1] });
    }
    // The cursor keeps PostgreSQL's microseconds, which a JS Date would round away (and repeat rows).
    const { entities, raw } = await query
      .addSelect(`to_char(journey.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'cursor_at')
      .orderBy('journey.created_at', 'ASC')
      .addOrderBy('journey.id', 'ASC')
      .limit(size + 1)
      .getRawAndEntities<{ cursor_at: string }>();
    const rows = entities.map((journey, i) => ({ journey, cursorAt: raw[i].cursor_at }));
    const page = keysetPage(rows, size, after, (row) => [row.cursorAt, row.journey.id]);
    return { nodes: page.rows.map((row) => row.journey), ...page.pageInfo, totalCount };
  }

  /** Null for an unknown id or one of another workspace. */
  async find(workspaceId: string, id: string): Promise<Journey | null> {
    if (!isUuid(id)) return null;
    return this.journeys.findOne({ where: { id, workspaceId } });
  }

  /** Every problem that would stop `input` from being published, destinations and audiences included. */
  async validate(workspaceId: string, input: JourneyInputShape): Promise<Problem[]> {
    return validateJourneyInput(input, await this.validationContext(workspaceId)).problems;
  }

  /** Counts over all versions, test runs left out (see journey-stats.ts). */
  stats(workspaceId: string, journeyId: string, shape: StatsShape): Promise<JourneyStats> {
    return journeyStats(this.journeys.manager, workspaceId, journeyId, shape);
  }

  // --- editing ---------------------------------------------------------------------------------

  /** Saves a draft, unfinished or not; only the name and description must already be right. */
  async create(workspaceId: string, input: JourneyInputShape): Promise<Journey> {
    checkNameAndDescription({ name: input.name, description: input.description }, this.config.journeyLimits);
    const draft = normalizeJourneyInput(input, { limits: this.config.journeyLimits });
    refuseOversizedMappings(draft.steps);
    return this.insert(this.journeys.manager, {
      workspaceId,
      name: input.name,
      description: input.description ?? null,
      status: 'DRAFT',
      version: 1,
      draft,
      draftVersion: null,
      duplicatedFromId: null,
      publishedAt: null,
    });
  }

  /**
   * A draft takes any change. A published or paused journey takes name, description and its send
   * steps' destination, action, event name, mapping and enabled flag: a send change freezes a new
   * version (running instances keep theirs). An archived journey takes name and description.
   * Parts sent back unchanged are accepted in every status, so a client may send the whole journey.
   * A journey with an open draft version takes any change, to that draft (see JourneyVersionService).
   */
  async update(workspaceId: string, id: string, patch: JourneyPatch, publisher: Publisher | null = null): Promise<Journey> {
    checkNameAndDescription(patch, this.config.journeyLimits);
    return this.inTransaction(async (manager) => {
      const journey = await this.lock(manager, workspaceId, id);
      const proposed = mergeDraft(journey.draft, patch, this.config.journeyLimits);
      refuseOversizedMappings(proposed.steps);
      if (journey.status === 'DRAFT' || journey.draftVersion !== null) {
        journey.draft = proposed;
      } else {
        const sendStepsChanged = checkLiveEdit(journey, proposed);
        if (sendStepsChanged) {
          const { problems, definition } = validateJourneyDraft(proposed, await this.validationContext(workspaceId));
          if (!definition) throw badUserInput(problems);
          journey.draft = proposed;
          journey.version += 1;
          await freezeVersion(manager, journey, definition, { publisher });
        }
      }
      if (patch.name != null) journey.name = patch.name;
      if (patch.description !== undefined) journey.description = patch.description;
      await this.tests.afterEdit(manager, journey);
      return this.save(manager, journey);
    });
  }

  /**
   * A new draft with the source's trigger, entry rules, exit, goal, steps and send configuration.
   * Send steps get new keys (destinations tell journeys apart by them) and are all enabled.
   */
  async duplicate(workspaceId: string, id: string, name: string): Promise<Journey> {
    checkNameAndDescription({ name }, this.config.journeyLimits);
    const source = await this.findOrThrow(workspaceId, id);
    const draft = duplicateDraft(source.draft, new Set(), Math.random, this.config.journeyLimits.maxStepKeyLength);
    return this.insert(this.journeys.manager, {
      workspaceId,
      name,
      description: source.description,
      status: 'DRAFT',
      version: 1,
      draft,
      draftVersion: null,
      duplicatedFromId: source.id,
      publishedAt: null,
    });
  }

  /** Validates the whole definition and freezes it as the journey's first version. */
  async publish(workspaceId: string, id: string, publisher: Publisher | null = null): Promise<Journey> {
    const context = await this.validationContext(workspaceId);
    return this.inTransaction(async (manager) => {
      // Serialises publishing per workspace, so two concurrent publishes cannot both take the last place.
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`journeys.publish:${workspaceId}`]);
      const journey = await this.lock(manager, workspaceId, id);
      if (journey.status !== 'DRAFT') throw invalidState(`journey is ${journey.status}; only a DRAFT journey can be published`);

      const { problems, definition } = validateJourneyDraft(journey.draft, { ...context, name: journey.name, description: journey.description });
      if (!definition) {
        throw badUserInput(problems, `journey cannot be published: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      }
      const live = await manager.count(Journey, { where: LIVE_STATUSES.map((status) => ({ workspaceId, status })) });
      const refusal = publishedLimitProblem(live, this.config.journeyLimits);
      if (refusal) throw limitExceeded(refusal);

      journey.status = 'PUBLISHED';
      journey.publishedAt = new Date();
      await this.tests.end(manager, journey.id);
      await freezeVersion(manager, journey, definition, { publisher });
      const saved = await this.save(manager, journey);
      await this.lifecycle.journeyPublished(manager, workspaceId, journey.id);
      return saved;
    });
  }

  /** Stops new entries; active instances keep going. */
  pause(workspaceId: string, id: string): Promise<Journey> {
    return this.transition(workspaceId, id, ['PUBLISHED'], 'PAUSED', 'only a PUBLISHED journey can be paused');
  }

  resume(workspaceId: string, id: string): Promise<Journey> {
    return this.transition(workspaceId, id, ['PAUSED'], 'PUBLISHED', 'only a PAUSED journey can be resumed');
  }

  /**
   * For good: no new entries, and the lifecycle listeners end the active instances in the same
   * transaction. An open draft version is dropped: the draft shows the last published version again.
   */
  archive(workspaceId: string, id: string): Promise<Journey> {
    return this.transition(
      workspaceId,
      id,
      LIVE_STATUSES,
      'ARCHIVED',
      'only a PUBLISHED or PAUSED journey can be archived (a draft can be deleted)',
      async (manager, journey) => {
        if (journey.draftVersion !== null) await manager.save(Journey, await withoutOpenVersion(manager, journey, this.config.journeyLimits));
        await this.lifecycle.journeyArchived(manager, workspaceId, id);
      },
    );
  }

  /** Only drafts: a journey that was ever published has instances and deliveries that refer to it. */
  async delete(workspaceId: string, id: string): Promise<boolean> {
    return this.inTransaction(async (manager) => {
      const journey = await this.lock(manager, workspaceId, id);
      if (journey.status !== 'DRAFT') {
        throw invalidState(`journey is ${journey.status}; only a DRAFT journey can be deleted (archive it instead)`);
      }
      await this.tests.forgetRuns(manager, journey.id);
      await manager.delete(Journey, { id: journey.id, workspaceId });
      return true;
    });
  }

  // --- inside ------------------------------------------------------------------------------------

  private async transition(
    workspaceId: string,
    id: string,
    from: JourneyStatus[],
    to: JourneyStatus,
    rule: string,
    alsoInTransaction?: (manager: EntityManager, journey: Journey) => Promise<void>,
  ): Promise<Journey> {
    return this.inTransaction(async (manager) => {
      const journey = await this.lock(manager, workspaceId, id);
      if (!from.includes(journey.status)) throw invalidState(`journey is ${journey.status}; ${rule}`);
      journey.status = to;
      await this.tests.end(manager, journey.id);
      const saved = await this.save(manager, journey);
      await alsoInTransaction?.(manager, saved);
      return alsoInTransaction ? manager.findOneOrFail(Journey, { where: { id: saved.id } }) : saved;
    });
  }

  /** What validating a draft of the workspace checks against: its destinations and audiences, and the limits (also the versions service's). */
  validationContext(workspaceId: string): Promise<ValidationContext> {
    return loadValidationContext(this.config.journeyLimits, this.destinationCatalog, this.audienceCatalog, workspaceId);
  }

  private async findOrThrow(workspaceId: string, id: string): Promise<Journey> {
    const journey = await this.find(workspaceId, id);
    if (!journey) throw notFound('journey', id);
    return journey;
  }

  /** The journey row, locked until the transaction ends, so concurrent edits apply one after the other. */
  async lock(manager: EntityManager, workspaceId: string, id: string): Promise<Journey> {
    const journey = isUuid(id) ? await manager.findOne(Journey, { where: { id, workspaceId }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!journey) throw notFound('journey', id);
    return journey;
  }

  private async insert(manager: EntityManager, values: Omit<Journey, 'id' | 'createdAt' | 'updatedAt'>): Promise<Journey> {
    return this.save(manager, manager.create(Journey, values));
  }

  /** Saves and reads back, so timestamps are the database's. */
  async save(manager: EntityManager, journey: Journey): Promise<Journey> {
    try {
      const saved = await manager.save(Journey, journey);
      return await manager.findOneOrFail(Journey, { where: { id: saved.id } });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { constraint?: string }).constraint === UNIQUE_NAME_CONSTRAINT) {
        throw conflict(`a journey named ${JSON.stringify(journey.name)} already exists in this workspace`);
      }
      throw error;
    }
  }

  inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.journeys.manager.transaction(work);
  }
}
