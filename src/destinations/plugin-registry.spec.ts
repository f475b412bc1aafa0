import path from 'node:path';
import { KIT_VERSION } from '@itinera/plugin-kit';
import { BUILT_IN_PLUGINS_DIR, destinationDefinitionProblems, kitVersionProblem, PluginRegistry } from './plugin-registry';

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

  it('refuses a plugin written for another kit version, or declaring none, with what to do about it', () => {
    const folder = path.join(FIXTURES, 'kit-versions');
    const registry = PluginRegistry.loadFrom([folder]);
    expect(KIT_VERSION).toBe('2.0.0');
    expect(registry.list().map((plugin) => plugin.name)).toEqual(['modern-crm']);
    expect(registry.problems).toEqual([
      {
        folder: path.join(folder, 'undeclared'),
        reason: `plugin "undeclared-crm" declares no kitVersion; declare the kit versions it was written for, e.g. kitVersion: '^2.0.0'`,
      },
      {
        folder: path.join(folder, 'written-for-kit-1'),
        reason:
          'plugin "legacy-crm" works with @itinera/plugin-kit ^1.4.0, but this Itinera provides @itinera/plugin-kit 2.0.0; ' +
          'use a version of the plugin written for @itinera/plugin-kit 2.x',
      },
    ]);
  });

  it('reads kitVersion as a semver range', () => {
    expect(kitVersionProblem('^2.0.0', '2.3.1')).toBeUndefined();
    expect(kitVersionProblem('>=2.1 <4', '3.0.0')).toBeUndefined();
    expect(kitVersionProblem('~2.3.0', '2.4.0')).toMatch(/works with @itinera\/plugin-kit ~2\.3\.0, but this Itinera provides @itinera\/plugin-kit 2\.4\.0/);
    expect(kitVersionProblem('^3.0.0', '2.0.0')).toMatch(/use a version of the plugin written for @itinera\/plugin-kit 2\.x$/);
    expect(kitVersionProblem('latest', '2.0.0')).toBe(`has kitVersion "latest", which is not a semver range; declare the kit versions it was written for, e.g. kitVersion: '^2.0.0'`);
    expect(kitVersionProblem(2, '2.0.0')).toMatch(/^has kitVersion 2, which is not a semver range/);
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
      'settings.apiKey.type must be one of string, number, integer, boolean, object, array, datetime',
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
