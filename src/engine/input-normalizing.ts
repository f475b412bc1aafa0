import type { Condition, ConditionMatch, EventMatch, FilterOperator, Performed, PropertyFilter } from './definition';

/**
 * What the admin API hands over, before defaults: GraphQL lets optional fields be null or missing.
 * The step modules normalize their own configuration with these pieces.
 */
export type Nullable<T> = T | null | undefined;

export interface PropertyFilterInputShape {
  path: string;
  operator: FilterOperator;
  values?: Nullable<readonly unknown[]>;
}
export interface EventMatchInputShape {
  event: string;
  filters?: Nullable<readonly PropertyFilterInputShape[]>;
}
export interface PerformedInputShape extends EventMatchInputShape {
  atLeast?: Nullable<number>;
  atMost?: Nullable<number>;
  within?: Nullable<string>;
}
export interface ConditionInputShape {
  match?: Nullable<ConditionMatch>;
  filters?: Nullable<readonly PropertyFilterInputShape[]>;
  performed?: Nullable<readonly PerformedInputShape[]>;
}

export function normalizeEventMatch(match: Nullable<EventMatchInputShape>): EventMatch {
  return { event: match?.event ?? '', filters: list(match?.filters).map(normalizeFilter) };
}

function normalizeFilter(filter: PropertyFilterInputShape): PropertyFilter {
  return compact({
    path: filter?.path ?? '',
    operator: filter?.operator,
    values: Array.isArray(filter?.values) ? cloneJson(filter.values) : (filter?.values ?? undefined),
  }) as PropertyFilter;
}

/** The condition a `ConditionInput` describes (also an audience's): `match` defaults to ALL, nulls become empty lists. */
export function normalizeCondition(condition: Nullable<ConditionInputShape>): Condition {
  return {
    match: condition?.match ?? 'ALL',
    filters: list(condition?.filters).map(normalizeFilter),
    performed: list(condition?.performed).map(
      (performed) =>
        compact({
          ...normalizeEventMatch(performed),
          atLeast: orUndefined(performed?.atLeast),
          atMost: orUndefined(performed?.atMost),
          within: orUndefined(performed?.within),
        }) as Performed,
    ),
  };
}

export function list<T>(value: Nullable<readonly T[]>): T[] {
  return Array.isArray(value) ? [...value] : [];
}

export function orUndefined<T>(value: Nullable<T>): T | undefined {
  return value ?? undefined;
}

/** Drops undefined properties, so drafts compare and serialize without `key: undefined` noise. */
export function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

/** Drafts are JSON (stored as jsonb), so a JSON round trip copies them exactly, in this realm's objects. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
