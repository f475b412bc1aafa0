import { Args, Context, Field, ID, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { unauthenticated } from '../common/errors';
import { RequestContext } from './request-context';
import { WorkspaceService } from './workspace.service';

@ObjectType('WorkspaceCredentials')
export class WorkspaceCredentialsType {
  @Field(() => ID) workspaceId: string;
  @Field() name: string;
  @Field({ description: 'Shown once: only its hash is stored.' }) adminToken: string;
  @Field({ description: 'Shown once: only its hash is stored.' }) writeKey: string;
}

@Resolver()
export class WorkspaceResolver {
  constructor(private readonly workspaces: WorkspaceService) {}

  @Mutation(() => WorkspaceCredentialsType, { description: 'Needs the root token (ITINERA_ROOT_TOKEN).' })
  createWorkspace(@Args('name') name: string, @Context() context: RequestContext): Promise<WorkspaceCredentialsType> {
    if (!context.isRoot) throw unauthenticated('createWorkspace needs the root token (Authorization: Bearer <ITINERA_ROOT_TOKEN>)');
    return this.workspaces.create(name);
  }
}
