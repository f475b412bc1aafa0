import { Field, ObjectType } from '@nestjs/graphql';

/** Cursor pagination, shared by every connection type. */
@ObjectType('PageInfo')
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' }) endCursor: string | null;
}
