import { assignStepKeys, generateStepKey, slugifyStepName } from './step-keys';

/** A random source that walks through fixed values, so suffixes are predictable. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

/** The `random()` value that picks this suffix character. */
const pick = (char: string) => ('abcdefghijklmnopqrstuvwxyz0123456789'.indexOf(char) + 0.5) / 36;
const suffix = (text: string) => [...text].map(pick);

describe('generateStepKey', () => {
  it('makes a key from the step name plus six random characters, like opened_email_dje83h', () => {
    expect(generateStepKey('Opened email', new Set(), sequence(...suffix('dje83h')))).toBe('opened_email_dje83h');
  });

  it('always ends in _ and six lowercase letters or digits', () => {
    for (let i = 0; i < 50; i++) expect(generateStepKey('Send nudge', new Set())).toMatch(/^send_nudge_[a-z0-9]{6}$/);
  });

  it('turns anything that is not a lowercase ASCII letter or digit into single underscores, trimmed', () => {
    expect(slugifyStepName('  Cart -- Reminder #2!  ', 100)).toBe('cart_reminder_2');
    expect(slugifyStepName('Relance café (J+1)', 100)).toBe('relance_cafe_j_1');
    expect(slugifyStepName('Application_Started → nudge', 100)).toBe('application_started_nudge');
  });

  it('uses "step" when nothing is left of the name', () => {
    expect(generateStepKey('', new Set(), sequence(pick('a')))).toBe('step_aaaaaa');
    expect(generateStepKey('!!! ???', new Set(), sequence(pick('b')))).toBe('step_bbbbbb');
    expect(generateStepKey('確認メール', new Set(), sequence(pick('c')))).toBe('step_cccccc');
  });

  it('cuts a long name so the whole key fits in 255 characters', () => {
    const key = generateStepKey('Very long step name '.repeat(20), new Set());
    expect(key.length).toBeLessThanOrEqual(255);
    expect(key).toMatch(/^very_long_step_name_.*[a-z0-9]_[a-z0-9]{6}$/);
    expect(key).not.toMatch(/__/);
  });

  it('fits a smaller key limit when the deployment configures one', () => {
    expect(generateStepKey('Opened email', new Set(), sequence(pick('x')), 12)).toBe('opene_xxxxxx');
  });

  it('draws again when the key is already taken', () => {
    const taken = new Set(['nudge_aaaaaa']);
    expect(generateStepKey('Nudge', taken, sequence(...suffix('aaaaaa'), ...suffix('bbbbbb')))).toBe('nudge_bbbbbb');
  });

  it('still finds a free key when the random source keeps repeating itself', () => {
    const taken = new Set(['nudge_aaaaaa', 'nudge_000000']);
    expect(generateStepKey('Nudge', taken, () => 0)).toBe('nudge_000001');
  });
});

describe('assignStepKeys', () => {
  it('keeps given keys and generates the missing ones from the step names', () => {
    const steps = assignStepKeys(
      [
        { key: 'wait_for_completion', name: 'Wait for completion', type: 'HOLD_UNTIL' },
        { key: null, name: 'Application nudge', type: 'SEND' },
        { name: 'Done', type: 'END' },
        { key: '', name: 'Also done', type: 'END' },
      ],
      sequence(pick('q')),
    );
    expect(steps.map((step) => step.key)).toEqual(['wait_for_completion', 'application_nudge_qqqqqq', 'done_qqqqqq', 'also_done_qqqqqq']);
  });

  it('never generates a key that another step already has', () => {
    const steps = assignStepKeys([{ name: 'Nudge' }, { key: 'nudge_aaaaaa', name: 'Given' }, { name: 'Nudge' }], () => 0);
    expect(steps.map((step) => step.key)).toEqual(['nudge_000000', 'nudge_aaaaaa', 'nudge_000001']);
  });

  it('rewrites nothing else of a step', () => {
    const step = { name: 'Nudge', type: 'SEND', next: 'done', send: { destinationId: 'd1', action: 'send', mapping: {} } };
    const [assigned] = assignStepKeys([step]);
    const { key, ...rest } = assigned;
    expect(rest).toEqual(step);
    expect(rest.send).toBe(step.send);
    expect(key).toMatch(/^nudge_[a-z0-9]{6}$/);
  });
});
