import { Field, Int, ObjectType } from '@nestjs/graphql';
import { EntityManager } from 'typeorm';
import { JSONScalar } from '../common/graphql-scalars';
import { performedClausesOf } from '../engine';
import { performedEventTimes } from '../instances/performed-counts';
import type { Condition } from '../engine/definition';
import { evaluateAudience } from './audience-evaluation';
import { AudienceStore } from './audience-store';

/** Profiles evaluated per page, and at most per preview: a preview answers in about a second on any workspace. */
const PROFILES_PER_PAGE = 1_000;
export const MAX_PREVIEWED_PROFILES = 20_000;
const SAMPLE_SIZE = 10;

@ObjectType('AudiencePreviewProfile')
export class AudiencePreviewProfile {
  @Field() userId: string;
  @Field(() => JSONScalar) traits: Record<string, unknown>;
}

@ObjectType('AudiencePreview', { description: 'Who a condition would admit now, before the audience is saved.' })
export class AudiencePreview {
  @Field(() => Int, { description: 'Matching profiles: exact when `exact`, else scaled from the profiles evaluated.' })
  count: number;
  @Field({ description: 'Whether every profile of the workspace was evaluated (workspaces up to 20,000 profiles).' })
  exact: boolean;
  @Field(() => Int) evaluatedProfiles: number;
  @Field(() => Int) totalProfiles: number;
  @Field(() => [AudiencePreviewProfile], { description: 'Up to 10 matching profiles, in user id order.' })
  sample: AudiencePreviewProfile[];
}

/**
 * Evaluates `condition` now against the workspace's profiles (traits and performed events), in user id
 * order, up to MAX_PREVIEWED_PROFILES; past that the count is an estimate scaled to the total, as the
 * reference's estimate is. Reads only: nothing is stored.
 */
export async function previewAudience(manager: EntityManager, workspaceId: string, condition: Condition, now = new Date()): Promise<AudiencePreview> {
  const clauses = performedClausesOf(condition);
  const [{ total }]: { total: number }[] = await manager.query('SELECT count(*)::int AS total FROM profiles WHERE workspace_id = $1', [workspaceId]);
  let evaluated = 0;
  let matching = 0;
  const sample: AudiencePreviewProfile[] = [];
  let after: string | null = null;
  while (evaluated < MAX_PREVIEWED_PROFILES) {
    const userIds = await AudienceStore.profilesAfter(manager, workspaceId, after, Math.min(PROFILES_PER_PAGE, MAX_PREVIEWED_PROFILES - evaluated));
    if (userIds.length === 0) break;
    const traits = await AudienceStore.traitsOf(manager, workspaceId, userIds);
    const times = clauses.length ? await performedEventTimes(manager, workspaceId, userIds, clauses, now) : new Map();
    for (const userId of userIds) {
      const profileTraits = traits.get(userId) ?? {};
      if (!evaluateAudience(condition, profileTraits, times.get(userId) ?? {}, now).member) continue;
      matching++;
      if (sample.length < SAMPLE_SIZE) sample.push({ userId, traits: profileTraits });
    }
    evaluated += userIds.length;
    after = userIds[userIds.length - 1];
  }
  const exact = evaluated >= total;
  return { count: exact || evaluated === 0 ? matching : Math.round((matching * total) / evaluated), exact, evaluatedProfiles: evaluated, totalProfiles: total, sample };
}
