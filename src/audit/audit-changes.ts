import type { AuditChanges } from './audit-entry.entity';

/** Arguments whose values are plain labels, never secrets: recorded as given. Everything else only by name. */
const PLAIN_VALUES = new Set(['name', 'scope', 'plugin', 'action', 'enabled', 'status']);

/** A record's fields as comparable text, for telling which ones an update changed. */
export type Snapshot = Record<string, string>;

/**
 * What an audit entry says about a mutation's arguments: plain labels with their values, and the names of
 * the fields its `input` sets (`settings.<name>` for settings), never their values: settings, headers,
 * payloads and mappings can hold credentials.
 */
export function describeArguments(args: Record<string, unknown>): AuditChanges {
  const values: NonNullable<AuditChanges['values']> = {};
  const input = isRecord(args.input) ? args.input : undefined;
  for (const source of [args, input ?? {}]) {
    for (const [name, value] of Object.entries(source)) {
      if (PLAIN_VALUES.has(name) && (value === null || ['string', 'number', 'boolean'].includes(typeof value))) {
        values[name] = value as string | number | boolean | null;
      }
    }
  }
  const changes: AuditChanges = {};
  if (input) changes.fields = inputFields(input);
  if (Object.keys(values).length > 0) changes.values = values;
  return changes;
}

/** The fields whose text differs between two snapshots of one record, sorted. */
export function changedFields(before: Snapshot, after: Snapshot): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}

function inputFields(input: Record<string, unknown>): string[] {
  const fields: string[] = [];
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (name === 'settings' && isRecord(value)) fields.push(...Object.keys(value).map((key) => `settings.${key}`));
    else fields.push(name);
  }
  return fields.sort();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
