import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { Repository } from 'typeorm';
import { badUserInput, invalidState, notFound } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { JourneyDefinition, JourneyDraft } from '../engine/definition';
import { draftOf, freezeVersion, frozenDefinition, withoutOpenVersion, type Publisher } from './frozen-versions';
import { JourneyLifecycleListener } from './journey-lifecycle';
import { journeyStats, type JourneyStats, type StatsShape } from './journey-stats';
import { validateJourneyDraft } from './journey-validation';
import { JourneyVersion, type VersionMigration } from './journey-version.entity';
import { Journey } from './journey.entity';
import { JourneyService } from './journey.service';

/** A version as its history shows it: the frozen row and how many instances run it now. */
export interface VersionRecord extends JourneyVersion {
  activeInstances: number;
}

/**
 * Versions of a live journey. A published (or paused) journey opens a draft of its next version, which
 * takes any change through the usual update and validation, then publishes it: new entries go to it at
 * once; in-flight instances finish on their version, or move to the same step key in the new one
 * (MOVE_BY_STEP_KEY, done by the runtime under each user's lock). A rollback publishes an earlier
 * version's definition again as the newest. Step keys that persist keep their send keys: a key is the
 * step's identity towards destinations and in idempotency keys, and versions never rename one.
 */
@Injectable()
export class JourneyVersionService {
  constructor(
    @InjectRepository(JourneyVersion) private readonly versions: Repository<JourneyVersion>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly journeys: JourneyService,
    private readonly lifecycle: JourneyLifecycleListener,
  ) {}

  /** Opens the draft of the next version, starting from the published one. */
  async create(workspaceId: string, id: string): Promise<Journey> {
    return this.journeys.inTransaction(async (manager) => {
      const journey = await this.liveJourney(manager, workspaceId, id, 'get a new version');
      if (journey.draftVersion !== null) throw invalidState(`version ${journey.draftVersion} is already open as a draft: publish or discard it first`);
      journey.draftVersion = journey.version + 1;
      journey.draft = draftOf(await this.definitionOf(manager, journey, journey.version), this.config.journeyLimits);
      return this.journeys.save(manager, journey);
    });
  }

  /** Drops the open draft version; the draft shows the published version again. */
  async discard(workspaceId: string, id: string): Promise<Journey> {
    return this.journeys.inTransaction(async (manager) => {
      const journey = await this.openDraft(manager, workspaceId, id);
      return this.journeys.save(manager, await withoutOpenVersion(manager, journey, this.config.journeyLimits));
    });
  }

  /** Validates the open draft version and makes it the one new instances enter. */
  async publish(workspaceId: string, id: string, migration: VersionMigration, publisher: Publisher | null): Promise<Journey> {
    const context = await this.journeys.validationContext(workspaceId);
    return this.journeys.inTransaction(async (manager) => {
      const journey = await this.openDraft(manager, workspaceId, id);
      const definition = this.validated(journey.draft, { ...context, name: journey.name, description: journey.description }, `version ${journey.draftVersion}`);
      return this.makeNewest(manager, journey, definition, { publisher, migration });
    });
  }

  /** Publishes an earlier version's definition again, checked against today's destinations and audiences, as the newest version. */
  async rollback(workspaceId: string, id: string, version: number, migration: VersionMigration, publisher: Publisher | null): Promise<Journey> {
    const context = await this.journeys.validationContext(workspaceId);
    return this.journeys.inTransaction(async (manager) => {
      const journey = await this.liveJourney(manager, workspaceId, id, 'be rolled back');
      if (journey.draftVersion !== null) throw invalidState(`version ${journey.draftVersion} is open as a draft: publish or discard it before a rollback`);
      if (!Number.isInteger(version) || version < 1 || version >= journey.version) {
        throw badUserInput([{ path: 'version', message: `must be an earlier version of this journey, 1 to ${journey.version - 1}` }]);
      }
      const earlier = await this.definitionOf(manager, journey, version);
      const definition = this.validated(draftOf(earlier, this.config.journeyLimits), { ...context, name: journey.name, description: journey.description }, `version ${version}`);
      return this.makeNewest(manager, journey, definition, { publisher, migration, restoredFrom: version });
    });
  }

  /** Newest first, each with its count of active instances. */
  async history(workspaceId: string, journeyId: string): Promise<VersionRecord[]> {
    const [rows, active] = await Promise.all([
      this.versions.find({ where: { workspaceId, journeyId }, order: { version: 'DESC' } }),
      this.versions.manager.query(
        `SELECT journey_version AS version, count(*)::int AS n FROM journey_instances
          WHERE workspace_id = $1 AND journey_id = $2 AND status = 'ACTIVE' AND NOT test GROUP BY journey_version`,
        [workspaceId, journeyId],
      ) as Promise<{ version: number; n: number }[]>,
    ]);
    const counts = new Map(active.map((row) => [row.version, row.n]));
    return rows.map((row) => Object.assign(row, { activeInstances: counts.get(row.version) ?? 0 }));
  }

  /** The stats of the instances that run `version` now (a moved instance counts for the version it was moved to). */
  stats(workspaceId: string, journeyId: string, version: number, shape: StatsShape): Promise<JourneyStats> {
    return journeyStats(this.versions.manager, workspaceId, journeyId, shape, version);
  }

  private async makeNewest(
    manager: EntityManager,
    journey: Journey,
    definition: JourneyDefinition,
    publication: { publisher: Publisher | null; migration: VersionMigration; restoredFrom?: number },
  ): Promise<Journey> {
    journey.version += 1;
    journey.draftVersion = null;
    journey.draft = draftOf(definition, this.config.journeyLimits);
    await freezeVersion(manager, journey, definition, publication);
    const saved = await this.journeys.save(manager, journey);
    await this.lifecycle.versionPublished(manager, journey.workspaceId, journey.id, journey.version, publication.migration);
    return saved;
  }

  private validated(draft: JourneyDraft, context: Parameters<typeof validateJourneyDraft>[1], what: string): JourneyDefinition {
    const { problems, definition } = validateJourneyDraft(draft, context);
    if (!definition) throw badUserInput(problems, `${what} cannot be published: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    return definition;
  }

  private async liveJourney(manager: EntityManager, workspaceId: string, id: string, what: string): Promise<Journey> {
    const journey = await this.journeys.lock(manager, workspaceId, id);
    if (journey.status !== 'PUBLISHED' && journey.status !== 'PAUSED') {
      throw invalidState(`journey is ${journey.status}; only a PUBLISHED or PAUSED journey can ${what}${journey.status === 'DRAFT' ? ' (edit the draft and publish it)' : ''}`);
    }
    return journey;
  }

  private async openDraft(manager: EntityManager, workspaceId: string, id: string): Promise<Journey> {
    const journey = await this.liveJourney(manager, workspaceId, id, 'have a draft version');
    if (journey.draftVersion === null) throw invalidState('journey has no open draft version: create one with createJourneyVersion');
    return journey;
  }

  private async definitionOf(manager: EntityManager, journey: Journey, version: number): Promise<JourneyDefinition> {
    const definition = await frozenDefinition(manager, journey.id, version);
    if (!definition) throw notFound('journey version', `${journey.id}@${version}`);
    return definition;
  }
}
