import { Context, Field, ID, ObjectType, Query, registerEnumType, Resolver } from '@nestjs/graphql';
import { unauthenticated } from '../common/errors';
import { RequestContext } from './request-context';

export enum TokenScope {
  ADMIN = 'ADMIN',
  READ = 'READ',
}
registerEnumType(TokenScope, { name: 'TokenScope', description: 'ADMIN may change the workspace; READ may only look.' });

@ObjectType('Viewer')
export class ViewerType {
  @Field(() => ID) workspaceId: string;
  @Field(() => TokenScope, { description: 'What the token may do: clients show actions only to ADMIN.' }) scope: TokenScope;
}

/** Who the token belongs to, so a client (the console) can show what the token allows. */
@Resolver(() => ViewerType)
export class ViewerResolver {
  @Query(() => ViewerType, { description: "The caller's workspace and the scope of its token." })
  viewer(@Context() context: RequestContext & { scope?: TokenScope }): ViewerType {
    if (!context.workspace) throw unauthenticated();
    // Workspace tokens are all admin tokens today; a context that carries a scope (read-only tokens) wins.
    return { workspaceId: context.workspace.id, scope: context.scope ?? TokenScope.ADMIN };
  }
}
