import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { isUuid } from '../common/cursor';
import { badUserInput, invalidState, notFound, type Problem } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { JourneyDefinition, JourneyStatus } from '../engine/definition';
import { AudienceCatalog, DestinationCatalog, loadValidationContext } from './destination-catalog';
import { validateJourneyDraft, type ValidationContext } from './journey-validation';
import { Journey } from './journey.entity';

/** A journey's test mode as the API shows it. */
export interface JourneyTestState {
  startedAt: Date;
  /** The test version new test entries run. */
  version: number;
  /** Why the latest edit of the draft is not that version (it does not validate); empty when it is. */
  problems: Problem[];
}

/** The statuses a journey can be tested in: it admits no one else then. */
const TESTABLE: JourneyStatus[] = ['DRAFT', 'PAUSED'];

/**
 * Test mode: a DRAFT or PAUSED journey run for the workspace's test profiles only. What they run is a
 * validated definition frozen as a *test version* (numbered apart from published versions, which a draft
 * does not have yet). Starting validates the journey (refused with every problem); each later edit that
 * validates freezes a new test version, which new test entries run, while running test instances keep
 * theirs; an edit that does not validate leaves new entries on the last valid one and is reported in
 * `problems`. Publishing, resuming or archiving the journey ends its test mode (`end`).
 */
@Injectable()
export class JourneyTests {
  constructor(
    @InjectRepository(Journey) private readonly journeys: Repository<Journey>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly destinationCatalog: DestinationCatalog,
    private readonly audienceCatalog: AudienceCatalog,
  ) {}

  /** Starts (or, under test already, refreshes from the latest draft) the journey's test mode. */
  async start(workspaceId: string, id: string): Promise<Journey> {
    const context = await this.validationContext(workspaceId);
    return this.journeys.manager.transaction(async (manager) => {
      const journey = await lockJourney(manager, workspaceId, id);
      if (!TESTABLE.includes(journey.status)) {
        throw invalidState(`journey is ${journey.status}; only a DRAFT or PAUSED journey can be run in test mode (a published one runs for everyone)`);
      }
      const { problems, definition } = validateJourneyDraft(journey.draft, { ...context, name: journey.name, description: journey.description });
      if (!definition) throw badUserInput(problems, `journey cannot be tested: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      await runTestVersion(manager, journey, definition);
      return journey;
    });
  }

  /** Ends the test mode: no new test entries; test instances already running go on (`resetTestProfile` ends them). */
  async stop(workspaceId: string, id: string): Promise<Journey> {
    return this.journeys.manager.transaction(async (manager) => {
      const journey = await lockJourney(manager, workspaceId, id);
      await this.end(manager, journey.id);
      return journey;
    });
  }

  /** Called wherever the journey leaves DRAFT or PAUSED, in that transaction. */
  async end(manager: EntityManager, journeyId: string): Promise<void> {
    await manager.query('DELETE FROM journey_tests WHERE journey_id = $1', [journeyId]);
  }

  /**
   * A deleted draft's test runs go with it: its instances by the foreign key, its activity records and
   * deliveries here (a draft has no others). A delivery job left behind finds no delivery and does nothing.
   */
  async forgetRuns(manager: EntityManager, journeyId: string): Promise<void> {
    await manager.query('DELETE FROM activities WHERE journey_id = $1 AND test', [journeyId]);
    await manager.query('DELETE FROM deliveries WHERE journey_id = $1 AND test', [journeyId]);
  }

  /** After an accepted edit of a journey (locked by the caller), in its transaction: new test entries run the edit if it validates. */
  async afterEdit(manager: EntityManager, journey: Journey): Promise<void> {
    if (!(await this.state(journey.id, manager))) return;
    const context = await this.validationContext(journey.workspaceId);
    const { problems, definition } = validateJourneyDraft(journey.draft, { ...context, name: journey.name, description: journey.description });
    if (definition) await runTestVersion(manager, journey, definition);
    else await manager.query('UPDATE journey_tests SET problems = $2 WHERE journey_id = $1', [journey.id, JSON.stringify(problems)]);
  }

  /** Null when the journey is not in test mode. */
  async state(journeyId: string, manager: EntityManager = this.journeys.manager): Promise<JourneyTestState | null> {
    const rows: { started_at: Date; version: number; problems: Problem[] }[] = await manager.query(
      'SELECT started_at, version, problems FROM journey_tests WHERE journey_id = $1',
      [journeyId],
    );
    return rows[0] ? { startedAt: rows[0].started_at, version: rows[0].version, problems: rows[0].problems } : null;
  }

  private validationContext(workspaceId: string): Promise<ValidationContext> {
    return loadValidationContext(this.config.journeyLimits, this.destinationCatalog, this.audienceCatalog, workspaceId);
  }
}

async function lockJourney(manager: EntityManager, workspaceId: string, id: string): Promise<Journey> {
  const journey = isUuid(id) ? await manager.findOne(Journey, { where: { id, workspaceId }, lock: { mode: 'pessimistic_write' } }) : null;
  if (!journey) throw notFound('journey', id);
  return journey;
}

/**
 * Makes `definition` what new test entries run: the current test version when it is the same definition,
 * else a new one (numbered after the journey's last, under the journey's row lock, so never reused).
 */
async function runTestVersion(manager: EntityManager, journey: Journey, definition: JourneyDefinition): Promise<void> {
  const same: { version: number }[] = await manager.query(
    `SELECT v.version FROM journey_tests t JOIN journey_test_versions v ON v.journey_id = t.journey_id AND v.version = t.version
     WHERE t.journey_id = $1 AND v.definition = $2::jsonb`,
    [journey.id, JSON.stringify(definition)],
  );
  const version =
    same[0]?.version ??
    (
      (await manager.query(
        `INSERT INTO journey_test_versions (journey_id, version, workspace_id, definition)
         SELECT $1, COALESCE(max(version), 0) + 1, $2, $3::jsonb FROM journey_test_versions WHERE journey_id = $1
         RETURNING version`,
        [journey.id, journey.workspaceId, JSON.stringify(definition)],
      )) as { version: number }[]
    )[0].version;
  await manager.query(
    `INSERT INTO journey_tests (journey_id, workspace_id, version) VALUES ($1, $2, $3)
     ON CONFLICT (journey_id) DO UPDATE SET version = EXCLUDED.version, problems = '[]'`,
    [journey.id, journey.workspaceId, version],
  );
}
