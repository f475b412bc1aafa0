import { changedFields, describeArguments } from './audit-changes';

describe('describeArguments', () => {
  it('keeps plain labels and the names of the settings given, never their values', () => {
    const changes = describeArguments({
      id: 'd1',
      input: { name: 'CRM hook', plugin: 'webhook', enabled: true, settings: { url: 'https://crm.example.com/h?token=tok_1', secret: 'whsec_1', headers: { Authorization: 'Bearer sk_1' } } },
    });
    expect(changes).toEqual({ fields: ['enabled', 'name', 'plugin', 'settings.headers', 'settings.secret', 'settings.url'], values: { name: 'CRM hook', plugin: 'webhook', enabled: true } });
    expect(JSON.stringify(changes)).not.toMatch(/tok_1|whsec_1|sk_1/);
  });

  it('records a test event by its action, not its payload', () => {
    expect(describeArguments({ destinationId: 'd1', action: 'send', payload: { data: { email: 'ada@example.com' } } })).toEqual({ values: { action: 'send' } });
  });
});

describe('changedFields', () => {
  it('names the fields whose value differs, added and removed ones included', () => {
    expect(changedFields({ name: '"a"', steps: '[1]', goal: 'null' }, { name: '"b"', steps: '[1]', exit: '[]' })).toEqual(['exit', 'goal', 'name']);
  });
});
