import type { StatsShape } from './journey-stats';
import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { VersionMigration } from './journey-version.entity';

export const VersionMigrationEnum: { [K in VersionMigration]: K } = { STAY: 'STAY', MOVE_BY_STEP_KEY: 'MOVE_BY_STEP_KEY' };
registerEnumType(VersionMigrationEnum, {
  name: 'VersionMigration',
  description: 'What in-flight instances do when a version is published.',
  valuesMap: {
    STAY: { description: 'They finish on the version they entered (or were last moved to).' },
    MOVE_BY_STEP_KEY: {
      description:
        'They move to the same step key in the new version, keeping any pending timer\'s due time; those whose step no longer exists, changed type, or (a condition wait) lost its deadline stay.',
    },
  },
});

@ObjectType('JourneyVersionChanges', { description: 'What a version changed against the one published before it.' })
export class JourneyVersionChangesType {
  @Field(() => [String]) stepsAdded: string[];
  @Field(() => [String]) stepsRemoved: string[];
  @Field(() => [String], { description: 'Steps whose key persists but whose type, name, next step or configuration differs.' }) stepsChanged: string[];
  @Field(() => [String], { description: 'Of trigger, entry, exit, goal and startStep, those that differ.' }) partsChanged: string[];
  @Field({ description: 'The same, as a sentence.' }) summary: string;
}

@ObjectType('JourneyVersion', { description: 'One published version of a journey: what instances that entered (or moved to) it run.' })
export class JourneyVersionType {
  @Field(() => Int) version: number;
  @Field() publishedAt: Date;
  @Field(() => ID, { nullable: true, description: 'The API token that published it; null for the root token and versions from before this was recorded.' })
  publishedByTokenId: string | null;
  @Field(() => String, { nullable: true, description: 'Its name (`root token` for the root token).' }) publishedByTokenName: string | null;
  @Field(() => JourneyVersionChangesType, { nullable: true, description: 'Null for versions from before this was recorded.' })
  changes: JourneyVersionChangesType | null;
  @Field(() => Int, { nullable: true, description: 'The earlier version a rollback published again.' }) restoredFrom: number | null;
  @Field(() => VersionMigrationEnum) migration: VersionMigration;
  @Field({ description: 'Whether new entries go to this version (the newest).' }) current: boolean;
  @Field(() => Int, { description: 'Instances running this version now.' }) activeInstances: number;
  /** For its stats: the journey, its steps' order and whether it has a goal. */
  journeyId: string;
  statsShape: StatsShape;
}
