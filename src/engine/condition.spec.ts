import type { Condition, Performed, PropertyFilter } from './definition';
import { evaluateCondition, performedClauseKey, performedClausesOf } from './condition';
import { endStep, facts, journey, seed, start, track } from './seed-events.fixture';

const context = start(journey('Application_Started', [endStep]), track(seed.applicationStarted)).state.context;
context.events.await_completion = { event: 'Cart_Modified', properties: { total: '170.78' }, timestamp: context.instance.enteredAt };

const premium = { path: 'entry.properties.Tier', operator: 'EQUALS' as const, values: ['Premium'] };
const bigSpender = { path: 'traits.ltv', operator: 'GTE' as const, values: [100] };
const productAdded: Performed = { event: 'Product_Added', filters: [], within: 'P1D' };
const noOrder: Performed = { event: 'Order_Completed', filters: [], atMost: 0, within: 'P1D' };

function cond(match: 'ALL' | 'ANY', filters: PropertyFilter[] = [premium, bigSpender], performed: Performed[] = []): Condition {
  return { match, filters, performed };
}

describe('evaluateCondition', () => {
  it('reads the entry event, the current traits and captured hold events from the context', () => {
    expect(evaluateCondition(cond('ALL'), context, facts(undefined, { ltv: 150 }))).toBe(true);
    const total = { path: 'events.await_completion.properties.total', operator: 'GT' as const, values: [100] };
    expect(evaluateCondition(cond('ALL', [total]), context, facts())).toBe(true);
  });

  it('uses the traits in facts, not the copy the context last saw', () => {
    const stale = { ...context, traits: { ltv: 500 } };
    expect(evaluateCondition(cond('ALL'), stale, facts(undefined, { ltv: 10 }))).toBe(false);
  });

  it('ALL needs every filter and clause; ANY needs one', () => {
    const lowValue = facts(undefined, { ltv: 10 });
    expect(evaluateCondition(cond('ALL'), context, lowValue)).toBe(false);
    expect(evaluateCondition(cond('ANY'), context, lowValue)).toBe(true);
    expect(evaluateCondition(cond('ANY', [bigSpender], [productAdded]), context, lowValue)).toBe(false);
  });

  it('holds when empty, whether ALL or ANY', () => {
    expect(evaluateCondition(cond('ALL', []), context, facts())).toBe(true);
    expect(evaluateCondition(cond('ANY', []), context, facts())).toBe(true);
  });

  it('counts a performed clause without bounds as "at least once", and a missing count as zero', () => {
    const clause = cond('ALL', [], [productAdded]);
    expect(evaluateCondition(clause, context, facts(undefined, {}, { [performedClauseKey(productAdded)]: 1 }))).toBe(true);
    expect(evaluateCondition(clause, context, facts(undefined, {}, { [performedClauseKey(productAdded)]: 0 }))).toBe(false);
    expect(evaluateCondition(clause, context, facts())).toBe(false);
  });

  it('applies atLeast and atMost bounds: Product Added at least once and Order Completed zero times', () => {
    const abandoned = cond('ALL', [], [productAdded, noOrder]);
    const counts = (added: number, ordered: number) =>
      facts(undefined, {}, { [performedClauseKey(productAdded)]: added, [performedClauseKey(noOrder)]: ordered });
    expect(evaluateCondition(abandoned, context, counts(2, 0))).toBe(true);
    expect(evaluateCondition(abandoned, context, counts(2, 1))).toBe(false);
    const twoToFive: Performed = { event: 'Viewed_Product', filters: [], atLeast: 2, atMost: 5 };
    const views = (n: number) => facts(undefined, {}, { [performedClauseKey(twoToFive)]: n });
    expect([1, 2, 5, 6].map((n) => evaluateCondition(cond('ALL', [], [twoToFive]), context, views(n)))).toEqual([false, true, true, false]);
  });
});

describe('performedClauseKey', () => {
  it('ignores bounds and filter order, but not the window or the filters', () => {
    const a = { path: 'properties.productCategory', operator: 'EQUALS' as const, values: ['A'] };
    const b = { path: 'properties.productSize', operator: 'EXISTS' as const };
    const base: Performed = { event: 'Viewed_Product', filters: [a, b], within: 'P1D' };
    expect(performedClauseKey({ ...base, atLeast: 3 })).toBe(performedClauseKey({ ...base, filters: [b, a], atMost: 0 }));
    expect(performedClauseKey(base)).not.toBe(performedClauseKey({ ...base, within: 'P7D' }));
    expect(performedClauseKey(base)).not.toBe(performedClauseKey({ ...base, filters: [a] }));
  });
});

describe('performedClausesOf', () => {
  it('lists each distinct clause of splits, multi-branches and wait-for-condition steps once', () => {
    const definition = journey('Product_Added', [
      { key: 'split', name: 'Split', type: 'SPLIT', split: { condition: cond('ALL', [], [productAdded]), trueNext: 'branches', falseNext: 'wait' } },
      {
        key: 'branches',
        name: 'Branches',
        type: 'MULTI_BRANCH',
        multiBranch: { branches: [{ key: 'b1', condition: cond('ANY', [], [{ ...productAdded, atLeast: 3 }, noOrder]) }] },
      },
      { key: 'wait', name: 'Wait', type: 'WAIT_FOR_CONDITION', waitForCondition: { condition: cond('ALL', [], [noOrder]) }, next: 'done' },
      endStep,
    ]);
    expect(performedClausesOf(definition).map(performedClauseKey)).toEqual([performedClauseKey(productAdded), performedClauseKey(noOrder)]);
    expect(performedClausesOf(cond('ALL', [], [noOrder]))).toEqual([noOrder]);
  });
});
