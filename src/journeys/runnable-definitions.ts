import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { badUserInput, notFound } from '../common/errors';
import type { JourneyDefinition } from '../engine/definition';
import type { JourneyInputShape } from './journey-input-shapes';
import { validateJourneyDraft, validateJourneyInput } from './journey-validation';
import { JourneyService } from './journey.service';

/** A definition to run outside the runtime; `journeyId` is null for an input never saved. */
export interface RunnableDefinition {
  journeyId: string | null;
  name: string;
  version: number;
  definition: JourneyDefinition;
}

/** What simulations and backtests run: a saved journey, published or draft, or an input never saved. */
@Injectable()
export class RunnableDefinitions {
  constructor(
    private readonly journeys: JourneyService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * A saved journey's current version once published, else its draft validated as publishing would
   * validate it; or a `JourneyInput` (problem paths under `journey.`). Exactly one of the two; every
   * problem is a BAD_USER_INPUT problem.
   */
  async resolve(workspaceId: string, source: { journeyId?: string | null; input?: JourneyInputShape | null }): Promise<RunnableDefinition> {
    if ((source.journeyId == null) === (source.input == null)) {
      throw badUserInput([{ path: 'journeyId', message: 'give either journeyId (a saved journey) or journey (a JourneyInput), not both or neither' }]);
    }
    const context = await this.journeys.validationContext(workspaceId);
    if (source.input) {
      const { problems, definition } = validateJourneyInput(source.input, context);
      if (!definition) throw badUserInput(problems.map((problem) => ({ ...problem, path: `journey.${problem.path}` })));
      return { journeyId: null, name: source.input.name, version: 0, definition };
    }
    const journey = await this.journeys.find(workspaceId, source.journeyId!);
    if (!journey) throw notFound('journey', source.journeyId!);
    if (journey.status !== 'DRAFT') {
      const [row]: { definition: JourneyDefinition }[] = await this.dataSource.query(
        'SELECT definition FROM journey_versions WHERE journey_id = $1 AND version = $2',
        [journey.id, journey.version],
      );
      return { journeyId: journey.id, name: journey.name, version: journey.version, definition: row.definition };
    }
    const { problems, definition } = validateJourneyDraft(journey.draft, { ...context, name: journey.name, description: journey.description });
    if (!definition) throw badUserInput(problems, `the draft cannot run: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    return { journeyId: journey.id, name: journey.name, version: journey.version, definition };
  }
}
