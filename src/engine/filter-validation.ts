import { FILTER_OPERATORS, type Condition, type EventMatch, type FilterOperator, type Performed, type PropertyFilter } from './definition';
import { durationToMs } from './duration';
import { list } from './input-normalizing';
import { quote, type Problem, type Report } from './problem';
import { asNumber, EVENT_FILTER_FIELDS, isEventFilterPath } from './property-filter';

/** One property-path segment: an identifier (step keys may start with a digit or hold `-`) with optional `[n]`s. */
const PATH_SEGMENT = '[A-Za-z0-9_-]+(?:\\[\\d+\\])*';
export const PROPERTY_PATH = new RegExp(`^${PATH_SEGMENT}(?:\\.${PATH_SEGMENT})*$`);
const EVENT_PATHS_TEXT = [...EVENT_FILTER_FIELDS.nested.map((field) => `${field}.`), ...EVENT_FILTER_FIELDS.leaves].join(', ').replace(/, ([^,]*)$/, ' or $1');
const CONTEXT_PATH_ROOTS = ['userId', 'journey', 'instance', 'entry', 'events', 'traits'];
const NUMERIC_OPERATORS: ReadonlySet<FilterOperator> = new Set(['GT', 'GTE', 'LT', 'LTE']);

/** What a filter reads: an event, a journey context (step conditions), or a profile (audience conditions). */
type FilterTarget = 'event' | 'context' | 'profile';

export function checkEventMatch(match: EventMatch | undefined, path: string, what: string, report: Report): void {
  if (!match) {
    report(path, `${what} needs an event to match`);
    return;
  }
  if (typeof match.event !== 'string' || match.event.trim() === '') report(`${path}.event`, `${what} needs an event name`);
  list(match.filters).forEach((filter, i) => checkFilter(filter, `${path}.filters[${i}]`, 'event', report));
}

function checkFilter(filter: PropertyFilter, path: string, target: FilterTarget, report: Report): void {
  const filterPath = filter?.path;
  const named = filterPath ? `filter on ${quote(filterPath)}` : 'filter';
  if (typeof filterPath !== 'string' || filterPath === '') report(`${path}.path`, 'filter needs a path');
  else if (!PROPERTY_PATH.test(filterPath)) {
    report(`${path}.path`, `filter path ${quote(filterPath)} is not a valid path (dot-separated names, optionally with [n])`);
  } else if (target === 'event' && !isEventFilterPath(filterPath)) {
    const traitsAdvice = rootSegment(filterPath) === 'traits' ? "; an event carries no traits: read the profile's in a condition step" : '';
    report(`${path}.path`, `filter path ${quote(filterPath)} must start with ${EVENT_PATHS_TEXT}${traitsAdvice}`);
  } else if (target === 'context' && !CONTEXT_PATH_ROOTS.includes(rootSegment(filterPath))) {
    report(`${path}.path`, `condition path ${quote(filterPath)} must start with one of ${CONTEXT_PATH_ROOTS.join(', ')}`);
  } else if (target === 'profile' && !filterPath.startsWith('traits.')) {
    report(`${path}.path`, `audience filter path ${quote(filterPath)} must start with traits. (an audience is a condition over profiles)`);
  }

  const operator = filter?.operator;
  if (!(FILTER_OPERATORS as readonly string[]).includes(operator)) {
    report(`${path}.operator`, `${named} has unknown operator ${quote(operator)}`);
    return;
  }
  const values = filter.values;
  if (values !== undefined && !Array.isArray(values)) {
    report(`${path}.values`, `${named}: values must be a list`);
    return;
  }
  const given = values ?? [];
  if (operator === 'EXISTS' || operator === 'NOT_EXISTS') {
    if (given.length > 0) report(`${path}.values`, `${named}: ${operator} takes no values`);
  } else if (given.length === 0) {
    report(`${path}.values`, operator === 'EQUALS_ANY_OF' ? `${named}: EQUALS_ANY_OF needs at least one value` : `${named}: ${operator} needs a value`);
  } else if (NUMERIC_OPERATORS.has(operator)) {
    // The engine's own rule: a value it would not compare as a number must not publish.
    for (const value of given.filter((value) => asNumber(value) === null)) {
      report(`${path}.values`, `${named}: ${operator} compares numbers, and ${JSON.stringify(value)} is not one`);
    }
  }
}

/**
 * Every problem of a condition, with paths under `path`. Audiences pass `target` 'profile': their filters
 * read the profile's traits only, while a step's condition reads the whole journey context.
 */
export function conditionProblems(condition: Condition | undefined, path: string, what: string, target: 'context' | 'profile'): Problem[] {
  const problems: Problem[] = [];
  checkCondition(condition, path, what, (at, message) => problems.push({ path: at, message }), target);
  return problems;
}

export function checkCondition(condition: Condition | undefined, path: string, what: string, report: Report, target: 'context' | 'profile' = 'context'): void {
  if (!condition) {
    report(path, `${what} needs a condition`);
    return;
  }
  if (condition.match !== 'ALL' && condition.match !== 'ANY') report(`${path}.match`, `unknown match ${quote(condition.match)}; use ALL or ANY`);
  const filters = list(condition.filters);
  const performed = list(condition.performed);
  if (filters.length === 0 && performed.length === 0) report(path, `${what} needs at least one filter or performed clause in its condition`);
  filters.forEach((filter, i) => checkFilter(filter, `${path}.filters[${i}]`, target, report));
  performed.forEach((clause, i) => checkPerformed(clause, `${path}.performed[${i}]`, report));
}

function checkPerformed(clause: Performed, path: string, report: Report): void {
  checkEventMatch(clause, path, 'performed clause', report);
  const { atLeast, atMost, within } = clause;
  const countOk = (count: number | undefined) => count === undefined || (Number.isInteger(count) && count >= 0);
  if (!countOk(atLeast)) report(`${path}.atLeast`, `atLeast must be a whole number, 0 or more, not ${JSON.stringify(atLeast)}`);
  if (!countOk(atMost)) report(`${path}.atMost`, `atMost must be a whole number, 0 or more, not ${JSON.stringify(atMost)}`);
  if (countOk(atLeast) && countOk(atMost) && atLeast !== undefined && atMost !== undefined && atLeast > atMost) {
    report(`${path}.atLeast`, `atLeast (${atLeast}) is more than atMost (${atMost}), so the clause can never hold`);
  }
  if (within !== undefined) checkDuration(within, `${path}.within`, 'within', 'the performed clause', report);
}

export function checkDuration(text: string | undefined, path: string, field: string, owner: string, report: Report): void {
  if (text === undefined || text === '') report(path, `${owner} needs a ${field} such as PT1H or P3D`);
  else if (durationToMs(text) === null) {
    report(path, `${field} ${quote(text)} of ${owner} is not a positive ISO-8601 duration such as PT5S, PT1H or P3D`);
  }
}

function rootSegment(path: string): string {
  return path.split(/[.[]/, 1)[0];
}
