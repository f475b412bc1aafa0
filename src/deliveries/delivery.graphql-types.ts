import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { JSONScalar } from '../common/graphql-scalars';
import { PageInfo } from '../common/page-info.graphql-type';
import { DELIVERY_STATUSES, type DeliveryStatus } from './delivery.entity';

export const DeliveryStatusEnum = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, status])) as { [S in DeliveryStatus]: S };
registerEnumType(DeliveryStatusEnum, { name: 'DeliveryStatus' });

@ObjectType('Delivery')
export class DeliveryType {
  @Field(() => ID) id: string;
  @Field(() => ID) journeyId: string;
  @Field(() => ID) instanceId: string;
  @Field() userId: string;
  @Field() stepKey: string;
  @Field(() => ID) destinationId: string;
  @Field() action: string;
  @Field(() => String, { nullable: true }) eventName: string | null;
  @Field({ description: '`<instanceId>:<stepKey>:<visit>`, handed to the plugin with every attempt.' }) idempotencyKey: string;
  @Field(() => DeliveryStatusEnum) status: DeliveryStatus;
  @Field(() => Int, { description: 'Calls to the plugin so far; 0 when the delivery failed before any (unknown destination, bad mapping).' })
  attempts: number;
  @Field(() => String, { nullable: true, description: 'The error of the latest failed attempt (kept after a later success).' })
  lastError: string | null;
  @Field(() => JSONScalar, { description: 'The mapped payload handed to the plugin.' }) payload: Record<string, unknown>;
  @Field(() => JSONScalar, { nullable: true, description: 'What the destination answered when it accepted the payload.' }) response: unknown;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) deliveredAt: Date | null;
  @Field(() => Date, { nullable: true, description: 'When the next attempt is due, while RETRYING.' }) nextAttemptAt: Date | null;
  @Field(() => Date, { nullable: true, description: "When the latest attempt started; a destination's rate limit spaces these." })
  lastAttemptStartedAt: Date | null;
  @Field({ description: 'Sent by a test run; the plugin was told so (`test: true` in the webhook body).' }) test: boolean;
}

@ObjectType('DeliveryConnection')
export class DeliveryConnectionType {
  @Field(() => [DeliveryType]) nodes: DeliveryType[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@ObjectType('DeliveryResult')
export class DeliveryResultType {
  @Field() ok: boolean;
  @Field(() => Int, { nullable: true, description: 'The HTTP status, for HTTP destinations.' }) status: number | null;
  @Field(() => String, { nullable: true }) error: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Whether a delivery failing this way would be retried; null when ok.' })
  retryable: boolean | null;
  @Field(() => JSONScalar, { nullable: true }) response: unknown;
}
