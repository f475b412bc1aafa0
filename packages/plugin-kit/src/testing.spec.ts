import { PermanentError, defineDestination, type ActionDefinition, type PerformInput } from './index';
import { runAction, sampleJourneyContext } from './testing';

interface LogSettings {
  prefix: string;
  level: 'info' | 'warn';
}
interface LineInput {
  line: string;
}

const performed: PerformInput<LogSettings, LineInput>[] = [];
const write: ActionDefinition<LogSettings, LineInput> = {
  title: 'Write a line',
  fields: { line: { type: 'string', required: true, default: { '@template': '{{userId}} entered {{journey.name}}' } } },
  async perform(input) {
    performed.push(input);
    return { status: 200, response: `${input.settings.prefix} ${input.payload.line}` };
  },
};
const logDestination = defineDestination({
  name: 'log',
  displayName: 'Log',
  settings: {
    prefix: { type: 'string', required: true },
    level: { type: 'string', enum: ['info', 'warn'], default: 'info' },
  },
  actions: { write },
});

describe('runAction', () => {
  beforeEach(() => {
    performed.length = 0;
  });

  it('builds the payload from the sample context and the fields’ default mappings, then performs', async () => {
    await expect(runAction(logDestination, 'write', { settings: { prefix: '>' } })).resolves.toEqual({
      status: 200,
      response: '> 88 entered Application nudge',
    });
  });

  it('hands perform the settings with defaults and ids taken from the context', async () => {
    await runAction(logDestination, 'write', { settings: { prefix: '>' }, stepKey: 'log_entry_a1b2c3', eventName: 'Entered' });

    expect(performed[0]).toMatchObject({
      payload: { line: '88 entered Application nudge' },
      settings: { prefix: '>', level: 'info' },
      stepKey: 'log_entry_a1b2c3',
      eventName: 'Entered',
      journeyId: sampleJourneyContext.journey.id,
      instanceId: sampleJourneyContext.instance.id,
      userId: '88',
      idempotencyKey: `${sampleJourneyContext.instance.id}:log_entry_a1b2c3:1`,
    });
    expect(performed[0].signal.aborted).toBe(false);
  });

  it('evaluates the given mapping against the given context', async () => {
    const context = { ...sampleJourneyContext, userId: '99', traits: { first_name: 'Grace' } };
    await runAction(logDestination, 'write', { settings: { prefix: '>' }, mapping: { line: { '@template': 'Hi {{traits.first_name}}' } }, context });
    expect(performed[0]).toMatchObject({ payload: { line: 'Hi Grace' }, userId: '99' });
  });

  it('throws a PermanentError listing every settings problem', async () => {
    const error = await runAction(logDestination, 'write', { settings: { level: 'debug' } }).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('invalid settings: settings.prefix is required; settings.level must be one of "info", "warn", got "debug"');
    expect(performed).toHaveLength(0);
  });

  it('throws a PermanentError listing every payload problem, without performing', async () => {
    const error = await runAction(logDestination, 'write', { settings: { prefix: '>' }, mapping: { line: 42, extra: true } }).catch((e) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('invalid payload for log.write: line must be a string, got 42; extra is not a field of this action (fields: line)');
    expect(performed).toHaveLength(0);
  });

  it('throws a PermanentError naming the actions when the action does not exist', async () => {
    await expect(runAction(logDestination, 'send', { settings: { prefix: '>' } })).rejects.toThrow(
      new PermanentError('log has no action "send" (actions: write)'),
    );
  });
});
