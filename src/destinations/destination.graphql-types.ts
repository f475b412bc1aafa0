import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JSONScalar } from '../common/graphql-scalars';
import type { RateLimit, RateLimitPeriod } from './rate-limit';

export const RateLimitPeriodEnum = { SECOND: 'SECOND', MINUTE: 'MINUTE' } as const satisfies { [K in RateLimitPeriod]: K };
registerEnumType(RateLimitPeriodEnum, { name: 'RateLimitPeriod' });

@ObjectType('RateLimit', { description: 'At most `max` deliveries per second or minute, by all workers together; deliveries over it wait their turn.' })
export class RateLimitType implements RateLimit {
  @Field(() => Int) max: number;
  @Field(() => RateLimitPeriodEnum) per: RateLimitPeriod;
}

@InputType('RateLimitInput')
export class RateLimitInput implements RateLimit {
  @Field(() => Int, { description: 'From 1 to 100,000.' }) max: number;
  @Field(() => RateLimitPeriodEnum) per: RateLimitPeriod;
}

@ObjectType('ActionField')
export class ActionFieldType {
  @Field() name: string;
  @Field({ description: 'string, number, integer, boolean, object, array or datetime' }) type: string;
  @Field() required: boolean;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => JSONScalar, { nullable: true, description: 'The mapping used when a send step leaves this field out, e.g. { "@path": "$.userId" }.' })
  defaultMapping: unknown;
  @Field(() => [JSONScalar], { nullable: true, description: 'The only values allowed, when the field restricts them.' })
  enum: unknown[] | null;
}

@ObjectType('PluginAction')
export class PluginActionType {
  @Field() name: string;
  @Field() title: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => [ActionFieldType]) fields: ActionFieldType[];
}

@ObjectType('DestinationPlugin')
export class DestinationPluginType {
  @Field() name: string;
  @Field() displayName: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => JSONScalar, {
    description: 'The settings a destination of this plugin takes, by name: type, required, secret, default, enum, format, minimum, maximum, description.',
  })
  settingsSchema: Record<string, unknown>;
  @Field(() => [PluginActionType]) actions: PluginActionType[];
}

@ObjectType('Destination')
export class DestinationType {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() plugin: string;
  @Field() enabled: boolean;
  @Field(() => JSONScalar, { description: 'The settings, defaults applied, without the secret ones: secrets are never returned.' })
  settings: Record<string, unknown>;
  @Field(() => RateLimitType, { nullable: true }) rateLimit: RateLimit | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@InputType('DestinationInput')
export class DestinationInputType {
  @Field() name: string;
  @Field({ description: 'A plugin name from destinationPlugins; it cannot change once the destination exists.' }) plugin: string;
  @Field(() => JSONScalar, {
    description: 'Validated against the plugin’s settingsSchema. On update, a secret setting left out keeps its value; null removes it.',
  })
  settings: unknown;
  @Field(() => Boolean, { nullable: true, defaultValue: true }) enabled: boolean | null;
  @Field(() => RateLimitInput, { nullable: true, description: 'Left out or null: no limit (an update replaces it).' }) rateLimit?: RateLimitInput | null;
}

@ObjectType('DestinationTestResult', { description: "What testing a destination's credentials (its plugin's testAuthentication) came to." })
export class DestinationTestResultType {
  @Field({ description: 'Whether the destination accepted the credentials.' }) ok: boolean;
  @Field({ description: 'False when the plugin has no authentication test (or is not loaded), so nothing was sent.' }) tested: boolean;
  @Field(() => String, { nullable: true, description: 'Why not, secrets redacted.' }) error: string | null;
}
