import type { Condition, JourneyDefinition, Performed } from './definition';
import type { EngineFacts } from './engine-facts';
import type { JourneyContext } from './instance-state';
import { performedCountAt } from './performed-timing';
import { canonicalJson, matchesFilter } from './property-filter';
import { stepModuleOf } from './steps/registry';

/**
 * Evaluates a SPLIT / MULTI_BRANCH / WAIT_FOR_CONDITION condition. Filters read the journey context,
 * with `traits` taken from `facts` (the profile's current traits, not the copy the context last saw);
 * `performed` clauses count `facts.performedTimes` inside their window at `facts.now`. An empty condition holds.
 */
export function evaluateCondition(condition: Condition, context: JourneyContext, facts: EngineFacts): boolean {
  const subject: JourneyContext = { ...context, traits: facts.traits };
  const outcomes = [
    ...condition.filters.map((filter) => () => matchesFilter(filter, subject)),
    ...condition.performed.map((clause) => () => performedHolds(clause, performedCountAt(clause, facts.performedTimes, Date.parse(facts.now)))),
  ];
  if (outcomes.length === 0) return true;
  return condition.match === 'ANY' ? outcomes.some((holds) => holds()) : outcomes.every((holds) => holds());
}

/** With neither bound given, a clause means "performed at least once". */
export function performedHolds(clause: Performed, count: number): boolean {
  if (clause.atLeast === undefined && clause.atMost === undefined) return count >= 1;
  if (clause.atLeast !== undefined && count < clause.atLeast) return false;
  if (clause.atMost !== undefined && count > clause.atMost) return false;
  return true;
}

/**
 * Names the count a clause needs: its event, filters and window, but not its bounds, so that
 * "at least 2" and "at most 5" of the same events share one count. Filter order does not matter.
 */
export function performedClauseKey(clause: Performed): string {
  const filters = clause.filters.map((filter) => canonicalJson(filter)).sort();
  return canonicalJson({ event: clause.event, filters, within: clause.within ?? null });
}

/** Every distinct `performed` clause the caller must count before calling the engine. */
export function performedClausesOf(source: JourneyDefinition | Condition): Performed[] {
  const conditions = 'steps' in source ? conditionsOfDefinition(source) : [source];
  const byKey = new Map<string, Performed>();
  for (const condition of conditions) {
    for (const clause of condition.performed) {
      const key = performedClauseKey(clause);
      if (!byKey.has(key)) byKey.set(key, clause);
    }
  }
  return [...byKey.values()];
}

function conditionsOfDefinition(definition: JourneyDefinition): Condition[] {
  return definition.steps.flatMap((step) => stepModuleOf(step.type)?.conditions?.(step) ?? []);
}
