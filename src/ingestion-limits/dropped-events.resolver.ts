import { Args, Field, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { DataSource } from 'typeorm';
import { badUserInput } from '../common/errors';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';

@ObjectType('DroppedEventsDay', { description: 'Events the per-profile ingestion limit dropped on one day (UTC).' })
export class DroppedEventsDayType {
  @Field({ description: 'YYYY-MM-DD' }) day: string;
  @Field(() => Int) dropped: number;
}

@Resolver()
export class DroppedEventsResolver {
  constructor(private readonly dataSource: DataSource) {}

  @Query(() => [DroppedEventsDayType], { description: 'Per day, newest first, the events dropped because their profile sent too many per second.' })
  async droppedEvents(
    @CurrentWorkspace() workspace: Workspace,
    @Args('days', { type: () => Int, nullable: true, defaultValue: 7 }) days: number | null,
  ): Promise<DroppedEventsDayType[]> {
    const span = days ?? 7;
    if (!Number.isInteger(span) || span < 1 || span > 366) throw badUserInput([{ path: 'days', message: 'must be between 1 and 366' }]);
    const rows: { day: string; dropped: string }[] = await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, dropped FROM ingestion_drops
       WHERE workspace_id = $1 AND day > current_date - $2::int ORDER BY day DESC`,
      [workspace.id, span],
    );
    return rows.map((row) => ({ day: row.day, dropped: Number(row.dropped) }));
  }
}
