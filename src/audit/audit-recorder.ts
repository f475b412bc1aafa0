import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { getArgumentValues, Kind, type FieldNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type FragmentDefinitionNode } from 'graphql';
import { Repository } from 'typeorm';
import type { RequestContext } from '../workspaces/request-context';
import { changedFields, describeArguments, type Snapshot } from './audit-changes';
import { AuditEntry } from './audit-entry.entity';
import { AuditSnapshots } from './audit-snapshots';

/** One mutation field of a request, as seen before it runs. */
export interface PendingAudit {
  alias: string;
  operation: string;
  args: Record<string, unknown>;
  before: Snapshot | null;
}

export interface MutationResult {
  data?: Record<string, unknown> | null;
  errors?: readonly { path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** Writes one audit entry per mutation field an ADMIN token (or the root token) ran. */
@Injectable()
export class AuditRecorder {
  private readonly logger = new Logger('audit');

  constructor(
    @InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>,
    private readonly snapshots: AuditSnapshots,
  ) {}

  /** Before execution: each mutation field with its arguments, and the record an update is about to change. */
  async prepare(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Record<string, FragmentDefinitionNode>,
    variables: Record<string, unknown>,
    context: RequestContext,
  ): Promise<PendingAudit[]> {
    const mutationFields = schema.getMutationType()?.getFields() ?? {};
    const pending: PendingAudit[] = [];
    for (const node of topLevelFields(operation.selectionSet, fragments)) {
      const definition = mutationFields[node.name.value];
      if (!definition) continue;
      let args: Record<string, unknown> = {};
      try {
        args = getArgumentValues(definition, node, variables);
      } catch {
        // Arguments GraphQL will refuse: the entry records the operation and its error.
      }
      const before = context.workspace ? await this.snapshots.take(node.name.value, context.workspace.id, args.id) : null;
      pending.push({ alias: node.alias?.value ?? node.name.value, operation: node.name.value, args, before });
    }
    return pending;
  }

  /** After execution: never throws, an audit failure must not turn a done change into an error answer. */
  async record(pending: PendingAudit[], result: MutationResult, context: RequestContext): Promise<void> {
    try {
      const rows: Partial<AuditEntry>[] = [];
      for (const field of pending) {
        const data = result.data?.[field.alias] as Record<string, unknown> | null | undefined;
        const error = result.errors?.find((e) => e.path?.[0] === field.alias);
        if (!error && data === undefined) continue;
        const workspaceId = context.workspace?.id ?? (context.isRoot ? stringOr(data?.workspaceId) : null);
        if (!workspaceId) continue;
        const changes = describeArguments(field.args);
        if (field.before && !error) {
          const after = await this.snapshots.take(field.operation, workspaceId, field.args.id);
          if (after) changes.fields = [...new Set([...changedFields(field.before, after), ...givenSecretSettings(field.args, after)])].sort();
        }
        rows.push({
          workspaceId,
          at: new Date(),
          tokenId: context.token?.id ?? null,
          tokenName: context.token?.name ?? 'root token',
          operation: field.operation,
          targetId: targetIdOf(field.operation, field.args, data),
          outcome: error ? String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') : 'OK',
          changes,
        });
      }
      if (rows.length > 0) await this.entries.insert(rows);
    } catch (error) {
      this.logger.error({ msg: 'could not write the audit log', error: String(error) });
    }
  }
}

/** Top-level fields of the operation, through fragments too, so none escapes the log. */
function topLevelFields(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...topLevelFields(selection.selectionSet, fragments, seen));
    else if (!seen.has(selection.name.value) && fragments[selection.name.value]) {
      seen.add(selection.name.value);
      fields.push(...topLevelFields(fragments[selection.name.value].selectionSet, fragments, seen));
    }
  }
  return fields;
}

/** A secret setting given again counts as changed, though its stored form says nothing about its value. */
function givenSecretSettings(args: Record<string, unknown>, after: Snapshot): string[] {
  const settings = (args.input as { settings?: unknown } | undefined)?.settings;
  if (typeof settings !== 'object' || settings === null) return [];
  return Object.keys(settings).map((key) => `settings.${key}`).filter((field) => after[field] === 'secret' || !(field in after));
}

/**
 * The mutations whose target is a user they name: the workspace's own test accounts. Other mutations naming a
 * user (deleteProfile, unsuppressProfile) must leave no trace of the userId once the profile is erased.
 */
const TEST_PROFILE_OPERATIONS = new Set(['addTestProfile', 'removeTestProfile', 'resetTestProfile']);

function targetIdOf(operation: string, args: Record<string, unknown>, data: Record<string, unknown> | null | undefined): string | null {
  const userId = TEST_PROFILE_OPERATIONS.has(operation) ? args.userId : undefined;
  const candidates = [args.id, args.destinationId, userId, args.journeyId, data?.id, (data?.token as { id?: unknown })?.id, (data?.writeKey as { id?: unknown })?.id, data?.workspaceId];
  return candidates.map(stringOr).find((id) => id !== null) ?? null;
}

function stringOr(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}
