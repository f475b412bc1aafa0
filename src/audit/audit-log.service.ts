import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { checkPageSize, decodeCursor, encodeCursor, isUuid } from '../common/cursor';
import { AuditEntry } from './audit-entry.entity';
import { AuditLogConnection, AuditLogEntryType, AuditLogFilter } from './audit-log.graphql-types';

export const DEFAULT_AUDIT_PAGE = 50;
export const MAX_AUDIT_PAGE = 200;

/** Reads a workspace's audit log, newest first. */
@Injectable()
export class AuditLogService {
  constructor(@InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>) {}

  async list(workspaceId: string, filter: AuditLogFilter, first: number, after?: string | null): Promise<AuditLogConnection> {
    checkPageSize(first, MAX_AUDIT_PAGE);
    const query = this.entries.createQueryBuilder('e').where('e.workspace_id = :workspaceId', { workspaceId });
    if (filter.operation) query.andWhere('e.operation = :operation', { operation: filter.operation });
    if (filter.targetId) query.andWhere('e.target_id = :targetId', { targetId: filter.targetId });
    if (filter.tokenId) {
      if (!isUuid(filter.tokenId)) return { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
      query.andWhere('e.token_id = :tokenId', { tokenId: filter.tokenId });
    }
    if (filter.from) query.andWhere('e.at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('e.at < :to', { to: filter.to });
    if (after) {
      const [id] = decodeCursor(after, 1);
      if (!/^\d{1,19}$/.test(id)) decodeCursor('', 1);
      query.andWhere('e.id < :after', { after: id });
    }
    const rows = await query.orderBy('e.id', 'DESC').limit(first + 1).getMany();
    const nodes = rows.slice(0, first).map(toEntryType);
    const hasNextPage = rows.length > first;
    return { nodes, pageInfo: { hasNextPage, endCursor: nodes.length ? encodeCursor([nodes[nodes.length - 1].id]) : null } };
  }
}

function toEntryType(entry: AuditEntry): AuditLogEntryType {
  return {
    id: String(entry.id),
    at: entry.at,
    tokenId: entry.tokenId,
    tokenName: entry.tokenName,
    operation: entry.operation,
    targetId: entry.targetId,
    outcome: entry.outcome,
    changedFields: entry.changes.fields ?? [],
    values: entry.changes.values ?? null,
  };
}
