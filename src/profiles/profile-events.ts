import { Field, ID, ObjectType } from '@nestjs/graphql';
import { EntityManager } from 'typeorm';
import { checkPageSize, decodeCursor, encodeCursor } from '../common/cursor';
import { badUserInput } from '../common/errors';
import { JSONScalar } from '../common/graphql-scalars';
import { PageInfo } from '../common/page-info.graphql-type';

export const MAX_PROFILE_EVENTS_PAGE = 200;

@ObjectType('ProfileEvent', { description: 'An event as stored at ingestion (the profile explorer shows them).' })
export class ProfileEventType {
  @Field(() => ID, { description: 'The acceptance sequence number: larger is accepted later.' }) seq: string;
  @Field({ description: 'track, identify, page or screen' }) type: string;
  @Field(() => String, { nullable: true }) event: string | null;
  @Field(() => JSONScalar) properties: Record<string, unknown>;
  @Field(() => JSONScalar, { nullable: true }) traits: Record<string, unknown> | null;
  @Field(() => JSONScalar) context: Record<string, unknown>;
  @Field() messageId: string;
  @Field() timestamp: Date;
  @Field() receivedAt: Date;
}

@ObjectType('ProfileEventConnection')
export class ProfileEventConnection {
  @Field(() => [ProfileEventType]) nodes: ProfileEventType[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

/** A profile's events, newest accepted first, `first` at a time after the cursor (keyset on seq: the user's index). */
export async function profileEvents(
  manager: EntityManager,
  workspaceId: string,
  userId: string,
  { first, after, event }: { first: number; after?: string | null; event?: string | null },
): Promise<ProfileEventConnection> {
  const limit = checkPageSize(first, MAX_PROFILE_EVENTS_PAGE);
  const params: unknown[] = [workspaceId, userId];
  const where = ['workspace_id = $1', 'user_id = $2'];
  if (after) {
    const [seq] = decodeCursor(after, 1);
    if (!/^\d+$/.test(seq)) throw badUserInput([{ path: 'after', message: 'not a cursor returned by this API' }]);
    where.push(`seq < $${params.push(seq)}`);
  }
  if (event) where.push(`event = $${params.push(event)}`);
  const rows: { seq: string; type: string; event: string | null; properties: Record<string, unknown>; traits: Record<string, unknown> | null; context: Record<string, unknown>; message_id: string; timestamp: Date; received_at: Date }[] =
    await manager.query(
      `SELECT seq, type, event, properties, traits, context, message_id, timestamp, received_at FROM events
       WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
  const page = rows.slice(0, limit);
  return {
    nodes: page.map((row) => ({
      seq: String(row.seq),
      type: row.type,
      event: row.event,
      properties: row.properties,
      traits: row.traits,
      context: row.context,
      messageId: row.message_id,
      timestamp: row.timestamp,
      receivedAt: row.received_at,
    })),
    pageInfo: { hasNextPage: rows.length > limit, endCursor: page.length ? encodeCursor([page[page.length - 1].seq]) : null },
  };
}
