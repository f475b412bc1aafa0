import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { JSONScalar } from '../common/graphql-scalars';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { DeliveryConnectionType, DeliveryResultType, DeliveryStatusEnum, DeliveryType } from './delivery.graphql-types';
import type { DeliveryStatus } from './delivery.entity';
import { DeliveryService } from './delivery.service';
import { PayloadPreview } from './payload-preview';
import { TestEventSender } from './test-event-sender';

@Resolver(() => DeliveryType)
export class DeliveryResolver {
  constructor(
    private readonly deliveryService: DeliveryService,
    private readonly previews: PayloadPreview,
    private readonly testEvents: TestEventSender,
  ) {}

  @Query(() => DeliveryConnectionType, { description: 'Newest first; `first` is at most 200.' })
  async deliveries(
    @CurrentWorkspace() workspace: Workspace,
    @Args('journeyId', { type: () => ID, nullable: true }) journeyId: string | null,
    @Args('status', { type: () => DeliveryStatusEnum, nullable: true }) status: DeliveryStatus | null,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 50 }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('instanceId', { type: () => ID, nullable: true }) instanceId: string | null,
    @Args('destinationId', { type: () => ID, nullable: true }) destinationId: string | null,
  ): Promise<DeliveryConnectionType> {
    const page = await this.deliveryService.list(workspace.id, { journeyId, status, first, after, instanceId, destinationId });
    return { nodes: page.nodes, pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
  }

  @Query(() => JSONScalar, {
    description: 'The payload a SEND step would deliver, mapped from `context` (a built-in sample when absent), without sending.',
  })
  previewPayload(
    @CurrentWorkspace() workspace: Workspace,
    @Args('journeyId', { type: () => ID }) journeyId: string,
    @Args('stepKey') stepKey: string,
    @Args('context', { type: () => JSONScalar, nullable: true }) context: unknown,
  ): Promise<Record<string, unknown>> {
    return this.previews.preview(workspace.id, journeyId, stepKey, context);
  }

  @Mutation(() => DeliveryResultType, {
    description: 'Runs an action once with `payload` (validated against its fields, not mapped); a failing destination is reported, not thrown.',
  })
  sendTestEvent(
    @CurrentWorkspace() workspace: Workspace,
    @Args('destinationId', { type: () => ID }) destinationId: string,
    @Args('action') action: string,
    @Args('payload', { type: () => JSONScalar }) payload: unknown,
  ): Promise<DeliveryResultType> {
    return this.testEvents.send(workspace.id, destinationId, action, payload);
  }
}
