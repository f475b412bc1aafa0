import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUuid } from '../common/cursor';
import { badUserInput, notFound, type Problem } from '../common/errors';
import { buildPayload, describeProblems } from '@itinera/plugin-kit';
import { DeliveryTargets } from './delivery-targets';
import { sampleJourneyContext } from './sample-journey-context';

/** A preview's context, as JSON text: several times a real one (events are at most 32 KB each). */
export const MAX_PREVIEW_CONTEXT_BYTES = 512 * 1024;

interface StoredStep {
  key?: string;
  type?: string;
  send?: { destinationId?: string; action?: string; mapping?: unknown };
}

interface JourneyRow {
  id: string;
  name: string;
  status: string;
  version: number;
  draft: { steps?: StoredStep[] };
  definition: { steps?: StoredStep[] } | null;
}

/** What `previewPayload` answers: the payload a send step would hand its plugin, built exactly as a delivery builds it. */
@Injectable()
export class PayloadPreview {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly targets: DeliveryTargets,
  ) {}

  /**
   * Maps the SEND step `stepKey` of the journey's current definition (the published version for a
   * journey that has one, else the draft) against `context`, or a built-in sample when it is absent.
   * Every problem is a BAD_USER_INPUT problem with its path in the journey (`steps[1].send.mapping.data`).
   */
  async preview(workspaceId: string, journeyId: string, stepKey: string, context?: unknown): Promise<Record<string, unknown>> {
    const journey = await this.journey(workspaceId, journeyId);
    const definition = journey.status !== 'DRAFT' && journey.definition ? journey.definition : journey.draft;
    const steps = Array.isArray(definition.steps) ? definition.steps : [];
    const index = steps.findIndex((step) => step?.key === stepKey);
    const step = steps[index];
    if (!step) {
      const sends = steps.filter((s) => s?.type === 'SEND').map((s) => `"${s.key}"`);
      throw badUserInput([{ path: 'stepKey', message: `the journey has no step "${stepKey}" (its send steps: ${sends.join(', ') || 'none'})` }]);
    }
    if (step.type !== 'SEND' || !step.send) {
      throw badUserInput([{ path: 'stepKey', message: `step "${stepKey}" is a ${step.type} step; only SEND steps have a payload` }]);
    }
    if (context != null && !isPlainObject(context)) {
      throw badUserInput([{ path: 'context', message: 'must be a journey context object ({ userId, journey, instance, entry, events, traits })' }]);
    }
    // The request body is at most 1 MB, so measuring it by stringifying is bounded too.
    if (context != null && JSON.stringify(context).length > MAX_PREVIEW_CONTEXT_BYTES) {
      throw badUserInput([{ path: 'context', message: `is larger than ${MAX_PREVIEW_CONTEXT_BYTES / 1024} KB of JSON` }]);
    }

    const at = `steps[${index}].send`;
    const target = await this.targets.resolve(workspaceId, step.send.destinationId ?? '', step.send.action ?? '', { allowDisabled: true });
    if (!target.found) throw badUserInput([{ path: `${at}.${target.on}`, message: target.problem }]);

    const { payload, problems } = buildPayload(target.action, step.send.mapping, context ?? sampleJourneyContext(journey, definition));
    if (problems.length > 0) {
      const located: Problem[] = problems.map((problem) => ({ path: joinPath(`${at}.mapping`, problem.path), message: problem.message }));
      throw badUserInput(
        located,
        `the payload of step "${stepKey}" does not fit ${target.plugin.name}.${step.send.action}: ${describeProblems(problems)}`,
      );
    }
    return payload;
  }

  private async journey(workspaceId: string, journeyId: string): Promise<JourneyRow> {
    if (!isUuid(journeyId)) throw notFound('journey', journeyId);
    // Read as stored rather than through the journeys module: a preview needs only the steps.
    const [row]: JourneyRow[] = await this.dataSource.query(
      `SELECT j.id, j.name, j.status, j.version, j.draft, v.definition
       FROM journeys j LEFT JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.version
       WHERE j.id = $1 AND j.workspace_id = $2`,
      [journeyId, workspaceId],
    );
    if (!row) throw notFound('journey', journeyId);
    return row;
  }
}

function joinPath(base: string, path: string): string {
  if (path === '') return base;
  return path.startsWith('[') ? `${base}${path}` : `${base}.${path}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
