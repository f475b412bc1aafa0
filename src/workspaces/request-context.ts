import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { unauthenticated } from '../common/errors';
import type { ApiTokenScope } from '../tokens/credential.entity';
import { Workspace } from './workspace.entity';

/** What every GraphQL operation (HTTP or graphql-ws) knows about its caller. */
export interface RequestContext {
  workspace: Workspace | null;
  /** The caller presented ITINERA_ROOT_TOKEN. */
  isRoot: boolean;
  /** The API token presented, when it is one of a workspace (the audit log names it). */
  token: { id: string; name: string; scope: ApiTokenScope } | null;
}

export function requestContextOf(context: ExecutionContext): RequestContext {
  return GqlExecutionContext.create(context).getContext<RequestContext>();
}

/** The workspace of the admin token; every query and mutation is scoped to it. */
export const CurrentWorkspace = createParamDecorator((_: unknown, context: ExecutionContext): Workspace => {
  const workspace = requestContextOf(context).workspace;
  if (!workspace) throw unauthenticated();
  return workspace;
});
