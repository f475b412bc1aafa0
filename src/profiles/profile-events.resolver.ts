import { Args, Field, Int, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { checkPageSize } from '../common/cursor';
import { JSONScalar } from '../common/graphql-scalars';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { ProfileType } from './profile.graphql-types';

const MAX_RECENT_EVENTS = 100;

@ObjectType('ProfileEvent')
export class ProfileEventType {
  @Field({ description: 'track, identify or page' }) type: string;
  @Field(() => String, { nullable: true, description: 'The event name (track and page calls).' }) event: string | null;
  @Field(() => JSONScalar) properties: Record<string, unknown>;
  @Field() messageId: string;
  @Field({ description: 'As the source sent it.' }) timestamp: Date;
  @Field() receivedAt: Date;
}

/** A profile's latest events, for the console's profile page. */
@Resolver(() => ProfileType)
export class ProfileEventsResolver {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @ResolveField(() => [ProfileEventType], { description: `The user's latest events, newest first; \`first\` is at most ${MAX_RECENT_EVENTS}.` })
  async recentEvents(
    @CurrentWorkspace() workspace: Workspace,
    @Parent() profile: ProfileType,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 20 }) first: number | null,
  ): Promise<ProfileEventType[]> {
    const limit = checkPageSize(first ?? 20, MAX_RECENT_EVENTS);
    const rows: { type: string; event: string | null; properties: Record<string, unknown>; message_id: string; timestamp: Date; received_at: Date }[] =
      await this.dataSource.query(
        `SELECT type, event, properties, message_id, timestamp, received_at FROM events
          WHERE workspace_id = $1 AND user_id = $2 ORDER BY seq DESC LIMIT $3`,
        [workspace.id, profile.userId, limit],
      );
    return rows.map((row) => ({
      type: row.type,
      event: row.event,
      properties: row.properties,
      messageId: row.message_id,
      timestamp: row.timestamp,
      receivedAt: row.received_at,
    }));
  }
}
