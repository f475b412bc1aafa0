import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DraftStep, JourneyDraft } from '../engine/definition';
import { duplicateDraft } from './journey-duplication';
import { DEFAULT_JOURNEY_LIMITS } from './journey-limits';
import { normalizeJourneyInput, validateJourneyDraft } from './journey-validation';

const WEBHOOK = 'webhook-destination';
const SEND_KEY_PATTERN = (slug: string) => new RegExp(`^${slug}_[a-z0-9]{6}$`);

/** The abandoned-cart journey of the trigger-based guide, as stored: email, hold on Email opened, text, wait, push. */
function abandonedCart(): JourneyDraft {
  const text = readFileSync(path.join(__dirname, '..', '..', 'examples', '08-abandoned-cart-goal-exit.json'), 'utf8');
  const draft = normalizeJourneyInput(JSON.parse(text.split('"$WEBHOOK"').join(JSON.stringify(WEBHOOK))));
  draft.trigger.audienceFilterId = 'vip-customers';
  draft.steps[2].send!.enabled = false;
  return draft;
}

/** Every kind of reference points at a send step: branch next, timeoutNext, trueNext, falseNext, elseNext, next, startStep. */
function everyReferenceToSends(): JourneyDraft {
  const condition = { match: 'ALL' as const, filters: [{ path: 'traits.ltv', operator: 'GT' as const, values: [100] }], performed: [] };
  const send = (key: string, next?: string): DraftStep => ({
    key,
    name: `Send ${key}`,
    type: 'SEND',
    next,
    send: { destinationId: WEBHOOK, action: 'send', mapping: { data: {} }, enabled: true },
  });
  return {
    trigger: { type: 'EVENT', event: { event: 'Cart_Viewed', filters: [] }, useHistoricalData: false },
    entry: { mode: 'REENTER_EVERY_TIME' },
    exit: [],
    startStep: 's_start',
    steps: [
      send('s_start', 'hold'),
      {
        key: 'hold',
        name: 'Hold',
        type: 'HOLD_UNTIL',
        hold: { branches: [{ key: 'bought', match: { event: 'Checkout_Completed', filters: [] }, next: 's_branch' }], updateEvents: [], maxDuration: 'PT1H', timeoutNext: 'split' },
      },
      { key: 'split', name: 'Split', type: 'SPLIT', split: { condition, trueNext: 's_true', falseNext: 'multi' } },
      { key: 'multi', name: 'Multi', type: 'MULTI_BRANCH', multiBranch: { branches: [{ key: 'rich', condition, next: 's_multi' }], elseNext: 'wfc' } },
      { key: 'wfc', name: 'Wait for condition', type: 'WAIT_FOR_CONDITION', next: 'wait', waitForCondition: { condition, maxDuration: 'P1D', timeoutNext: 's_timeout' } },
      { key: 'wait', name: 'Wait', type: 'WAIT', wait: { duration: 'PT1H' }, next: 's_else' },
      send('s_branch'),
      send('s_true'),
      send('s_multi'),
      send('s_timeout'),
      send('s_else', 'hold_2'),
      {
        key: 'hold_2',
        name: 'Hold 2',
        type: 'HOLD_UNTIL',
        hold: { branches: [{ key: 'bought', match: { event: 'Checkout_Completed', filters: [] } }], updateEvents: [], maxDuration: 'PT1H', timeoutNext: 's_last' },
      },
      send('s_last'),
    ],
  };
}

describe('duplicateDraft', () => {
  it('copies the trigger with its filters and audience filter, the entry rules, the exit and the goal', () => {
    const source = abandonedCart();
    const copy = duplicateDraft(source);
    expect(copy.trigger).toEqual({
      type: 'EVENT',
      event: { event: 'Abandoned cart', filters: [{ path: 'properties.total', operator: 'GT', values: [50] }] },
      audienceFilterId: 'vip-customers',
      useHistoricalData: false,
    });
    expect(copy.entry).toEqual(source.entry);
    expect(copy.exit).toEqual([{ event: 'Purchase completed', filters: [] }]);
    expect(copy.goal).toEqual({ match: { event: 'Purchase completed', filters: [] }, targetPercent: 50 });
  });

  it('copies a unique identifier with the entry rules', () => {
    const source = abandonedCart();
    source.entry = { mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.cart_id' };
    expect(duplicateDraft(source).entry).toEqual({ mode: 'REENTER_EVERY_TIME', uniqueIdentifier: 'properties.cart_id' });
  });

  it('copies all steps and their structure; only send keys, references to them and enabled flags change', () => {
    const source = abandonedCart();
    const copy = duplicateDraft(source);
    const [email, text, push] = [copy.steps[0].key, copy.steps[2].key, copy.steps[4].key];
    expect(copy.steps).toEqual([
      { ...source.steps[0], key: email },
      { ...source.steps[1], hold: { ...source.steps[1].hold!, timeoutNext: text } },
      { ...source.steps[2], key: text, send: { ...source.steps[2].send!, enabled: true } },
      { ...source.steps[3], next: push },
      { ...source.steps[4], key: push },
    ]);
    expect(copy.startStep).toBeUndefined();
  });

  it('copies send configuration: destination, action, event names and mappings with trait and context enrichment', () => {
    const source = abandonedCart();
    const copy = duplicateDraft(source);
    expect(copy.steps[0].send).toEqual({
      destinationId: WEBHOOK,
      action: 'send',
      eventName: 'Initial email reminder',
      mapping: {
        data: {
          channel: 'email',
          to: { '@path': '$.traits.email' },
          cart_total: { '@path': '$.entry.properties.total' },
          greeting: { '@template': 'Hi {{traits.first_name}}, you left items worth {{entry.properties.total}} in your cart.' },
        },
      },
      enabled: true,
    });
    expect(copy.steps[4].send).toEqual(source.steps[4].send);
  });

  it('gives send steps new keys generated from their names, like initial_email_reminder_dje83h', () => {
    const copy = duplicateDraft(abandonedCart());
    expect(copy.steps[0].key).toMatch(SEND_KEY_PATTERN('initial_email_reminder'));
    expect(copy.steps[2].key).toMatch(SEND_KEY_PATTERN('second_text_reminder'));
    expect(copy.steps[4].key).toMatch(SEND_KEY_PATTERN('final_push_notification'));
  });

  it('keeps the keys of the other steps, so events.<holdKey> paths still find their hold', () => {
    const copy = duplicateDraft(abandonedCart());
    expect(copy.steps[1].key).toBe('email_opened_check');
    expect(copy.steps[3].key).toBe('wait_one_day');
  });

  it('rewrites every reference to a send step: next, timeoutNext, branch next, trueNext, falseNext, elseNext and startStep', () => {
    const copy = duplicateDraft(everyReferenceToSends());
    const keyOf = (name: string) => copy.steps.find((step) => step.name === `Send ${name}`)!.key;
    const byKey = new Map(copy.steps.map((step) => [step.key, step]));
    expect(copy.startStep).toBe(keyOf('s_start'));
    expect(byKey.get(keyOf('s_start'))!.next).toBe('hold');
    expect(byKey.get('hold')!.hold!.branches[0].next).toBe(keyOf('s_branch'));
    expect(byKey.get('split')!.split).toMatchObject({ trueNext: keyOf('s_true'), falseNext: 'multi' });
    expect(byKey.get('multi')!.multiBranch).toMatchObject({ branches: [{ next: keyOf('s_multi') }], elseNext: 'wfc' });
    expect(byKey.get('wfc')!.waitForCondition!.timeoutNext).toBe(keyOf('s_timeout'));
    expect(byKey.get('wait')!.next).toBe(keyOf('s_else'));
    expect(byKey.get('hold_2')!.hold!.timeoutNext).toBe(keyOf('s_last'));
    for (const name of ['s_start', 's_branch', 's_true', 's_multi', 's_timeout', 's_else', 's_last']) {
      expect(keyOf(name)).toMatch(SEND_KEY_PATTERN(`send_${name}`));
    }
  });

  it('enables a send step that was disabled in the original', () => {
    const source = abandonedCart();
    expect(source.steps[2].send!.enabled).toBe(false);
    expect(duplicateDraft(source).steps.filter((step) => step.send).map((step) => step.send!.enabled)).toEqual([true, true, true]);
  });

  it('does not carry the name: the caller gives the copy its new, unique one', () => {
    expect(duplicateDraft(abandonedCart())).not.toHaveProperty('name');
  });

  it('leaves the original untouched and shares no objects with it', () => {
    const source = abandonedCart();
    const before = JSON.parse(JSON.stringify(source));
    const copy = duplicateDraft(source);
    (copy.steps[0].send!.mapping as { data: Record<string, unknown> }).data.channel = 'changed';
    copy.trigger.event!.filters[0].values!.push(60);
    copy.exit.push({ event: 'Cart emptied', filters: [] });
    expect(source).toEqual(before);
  });

  it('never reuses a key of the original or one it is told is taken', () => {
    const fixed = () => 0;
    const source = abandonedCart();
    source.steps[0].key = 'initial_email_reminder_aaaaaa';
    const copy = duplicateDraft(source, new Set(['initial_email_reminder_000000']), fixed);
    expect(copy.steps[0].key).toBe('initial_email_reminder_000001');
  });

  it('duplicates a copy again with fresh send keys', () => {
    const first = duplicateDraft(abandonedCart());
    const second = duplicateDraft(first);
    for (const i of [0, 2, 4]) expect(second.steps[i].key).not.toBe(first.steps[i].key);
  });

  it.each([
    ['the abandoned cart', abandonedCart],
    ['a journey using every kind of reference', everyReferenceToSends],
  ])('turns %s, valid, into a valid copy', (_, build) => {
    const source = build();
    const ctx = { limits: DEFAULT_JOURNEY_LIMITS };
    expect(validateJourneyDraft(source, ctx).problems).toEqual([]);
    expect(validateJourneyDraft(duplicateDraft(source), ctx).problems).toEqual([]);
  });
});
