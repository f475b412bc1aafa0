import type { EntityManager } from 'typeorm';
import type { JourneyDefinition, JourneyDraft } from '../engine/definition';
import type { RequestContext } from '../workspaces/request-context';
import type { Journey } from './journey.entity';
import type { JourneyInputShape } from './journey-input-shapes';
import type { JourneyLimits } from './journey-limits';
import { normalizeJourneyInput } from './journey-normalizing';
import type { VersionMigration } from './journey-version.entity';
import { describeChanges } from './version-changes';

/** Who published a version, as the audit log names the caller. */
export interface Publisher {
  tokenId: string | null;
  tokenName: string;
}

/** The caller as a version records its publisher, named as the audit log names it. */
export function publisherOf(context: RequestContext): Publisher {
  return { tokenId: context.token?.id ?? null, tokenName: context.token?.name ?? 'root token' };
}

export interface Publication {
  publisher: Publisher | null;
  migration?: VersionMigration;
  restoredFrom?: number;
}

/**
 * Freezes `definition` as `journey.version`, with who published it and what it changed against the
 * version before it (when there is one).
 */
export async function freezeVersion(manager: EntityManager, journey: Journey, definition: JourneyDefinition, publication: Publication): Promise<void> {
  const previous = journey.version > 1 ? await frozenDefinition(manager, journey.id, journey.version - 1) : null;
  await manager.query(
    `INSERT INTO journey_versions (journey_id, version, workspace_id, definition, published_by_token_id, published_by_token_name, changes, restored_from, migration)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      journey.id,
      journey.version,
      journey.workspaceId,
      JSON.stringify(definition),
      publication.publisher?.tokenId ?? null,
      publication.publisher?.tokenName ?? null,
      JSON.stringify(describeChanges(previous, definition)),
      publication.restoredFrom ?? null,
      publication.migration ?? 'STAY',
    ],
  );
}

export async function frozenDefinition(manager: EntityManager, journeyId: string, version: number): Promise<JourneyDefinition | null> {
  const rows: { definition: JourneyDefinition }[] = await manager.query('SELECT definition FROM journey_versions WHERE journey_id = $1 AND version = $2', [
    journeyId,
    version,
  ]);
  return rows[0]?.definition ?? null;
}

/**
 * A frozen definition in the stored form of a draft (as an input with the same parts would be
 * normalized), so that sending it back unchanged is no change. A start step that is the first step
 * is left implicit, as authors leave it: new steps given without one then start at the first.
 */
export function draftOf(definition: JourneyDefinition, limits: Pick<JourneyLimits, 'maxStepKeyLength'>): JourneyDraft {
  const input = { name: '', ...JSON.parse(JSON.stringify(definition)) } as JourneyInputShape;
  if (input.startStep === input.steps[0]?.key) delete input.startStep;
  return JSON.parse(JSON.stringify(normalizeJourneyInput(input, { limits }))) as JourneyDraft;
}

/** The journey with its open draft version dropped: the draft is the published version again. */
export async function withoutOpenVersion(manager: EntityManager, journey: Journey, limits: Pick<JourneyLimits, 'maxStepKeyLength'>): Promise<Journey> {
  const published = await frozenDefinition(manager, journey.id, journey.version);
  if (!published) throw new Error(`journey ${journey.id} has no version ${journey.version}`);
  journey.draftVersion = null;
  journey.draft = draftOf(published, limits);
  return journey;
}
