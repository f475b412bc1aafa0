import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { AuditLogConnection, AuditLogFilter } from './audit-log.graphql-types';
import { AuditLogService, DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE } from './audit-log.service';

@Resolver()
export class AuditLogResolver {
  constructor(private readonly entries: AuditLogService) {}

  @Query(() => AuditLogConnection, {
    description: `Every mutation run on the workspace, newest first; \`first\` is at most ${MAX_AUDIT_PAGE}, \`after\` takes a previous endCursor. READ tokens may read it.`,
  })
  auditLog(
    @CurrentWorkspace() workspace: Workspace,
    @Args('filter', { type: () => AuditLogFilter, nullable: true }) filter: AuditLogFilter | null,
    @Args('first', { type: () => Int, nullable: true, defaultValue: DEFAULT_AUDIT_PAGE }) first: number | null,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<AuditLogConnection> {
    return this.entries.list(workspace.id, filter ?? {}, first ?? DEFAULT_AUDIT_PAGE, after);
  }
}
