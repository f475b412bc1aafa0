import path from 'node:path';
import { BUILT_IN_PLUGINS_DIR, destinationDefinitionProblems, PluginRegistry } from './plugin-registry';

const FIXTURES = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'plugins');

describe('PluginRegistry', () => {
  it('registers the built-in plugins', () => {
    const registry = PluginRegistry.loadFrom([BUILT_IN_PLUGINS_DIR]);
    expect(registry.list().map((plugin) => plugin.name)).toEqual(['http-request', 'list-sync', 'sendgrid', 'slack', 'tracking-api', 'twilio', 'webhook']);
    expect(registry.problems).toEqual([]);
    expect(registry.action('webhook', 'send')?.title).toBe('Send');
  });

  it('adds the plugin folders of each extra directory, TypeScript included', () => {
    const registry = PluginRegistry.loadFrom([BUILT_IN_PLUGINS_DIR, FIXTURES]);
    expect(registry.list().map((plugin) => plugin.name)).toEqual(['echo', 'http-request', 'list-sync', 'sendgrid', 'slack', 'tracking-api', 'twilio', 'webhook']);
  });

  it('skips broken folders with one problem each, naming the folder and the reason, and keeps the rest', () => {
    const reported: unknown[] = [];
    const registry = PluginRegistry.loadFrom([BUILT_IN_PLUGINS_DIR, path.join(FIXTURES, 'broken'), '/no/such/plugins'], (problem) => reported.push(problem));

    expect(registry.list().map((plugin) => plugin.name)).toEqual(['http-request', 'list-sync', 'sendgrid', 'slack', 'tracking-api', 'twilio', 'webhook']);
    expect(registry.problems).toEqual([
      { folder: path.join(FIXTURES, 'broken', 'duplicate-webhook'), reason: 'a plugin named "webhook" is already registered' },
      {
        folder: path.join(FIXTURES, 'broken', 'invalid-definition'),
        reason: 'not a valid destination definition: displayName must be a non-empty string; actions.send.perform must be a function',
      },
      { folder: path.join(FIXTURES, 'broken', 'throws-on-import'), reason: 'failed to load: echo-broken: cannot reach the license server' },
      { folder: '/no/such/plugins', reason: expect.stringContaining('is not a directory') },
    ]);
    expect(reported).toEqual(registry.problems);
  });

  it('does not treat inherited properties as actions', () => {
    const registry = PluginRegistry.loadFrom([BUILT_IN_PLUGINS_DIR]);
    expect(registry.action('webhook', 'toString')).toBeUndefined();
    expect(registry.action('webhook', '__proto__')).toBeUndefined();
  });
});

describe('destinationDefinitionProblems', () => {
  const valid = {
    name: 'crm',
    displayName: 'CRM',
    settings: { apiKey: { type: 'string', secret: true } },
    actions: { upsert: { title: 'Upsert', fields: { email: { type: 'string' } }, perform: async () => undefined } },
  };

  it('accepts a complete definition', () => {
    expect(destinationDefinitionProblems(valid)).toEqual([]);
  });

  it('lists every problem at once', () => {
    expect(
      destinationDefinitionProblems({
        name: '',
        settings: { apiKey: { type: 'secret' } },
        actions: { upsert: { fields: { email: { type: 'email' } }, perform: null } },
      }),
    ).toEqual([
      'name must be a non-empty string',
      'displayName must be a non-empty string',
      'settings.apiKey.type must be one of string, number, integer, boolean, object, array',
      'actions.upsert.title must be a non-empty string',
      'actions.upsert.perform must be a function',
      'actions.upsert.fields.email.type must be one of string, number, integer, boolean, object, array, datetime',
    ]);
  });

  it('refuses a definition without actions, or one that is not an object', () => {
    expect(destinationDefinitionProblems({ ...valid, actions: {} })).toEqual(['actions must be an object with at least one action']);
    expect(destinationDefinitionProblems(undefined)).toEqual(['the default export must be an object (use defineDestination), got undefined']);
  });
});
