import { Context, Field, ID, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { unauthenticated } from '../common/errors';
import type { ApiTokenScope } from '../tokens/credential.entity';
import { ApiTokenScopeEnum } from '../tokens/credential.graphql-types';
import { RequestContext } from './request-context';

@ObjectType('Viewer')
export class ViewerType {
  @Field(() => ID) workspaceId: string;
  @Field(() => ApiTokenScopeEnum, { description: 'What the token may do: clients show actions only to ADMIN.' }) scope: ApiTokenScope;
  @Field(() => String, { nullable: true, description: "The token's name." }) tokenName: string | null;
}

/** Who the token belongs to, so a client (the console) can show what the token allows. */
@Resolver(() => ViewerType)
export class ViewerResolver {
  @Query(() => ViewerType, { description: "The caller's workspace and the scope of its token." })
  viewer(@Context() context: RequestContext): ViewerType {
    if (!context.workspace || !context.token) throw unauthenticated();
    return { workspaceId: context.workspace.id, scope: context.token.scope, tokenName: context.token.name };
  }
}
