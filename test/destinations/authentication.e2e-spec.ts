import path from 'node:path';
import { startRecordingServer, type RecordingServer } from '@itinera/plugin-kit/testing';
import { startTestApp, type TestApp } from '../harness/test-app';

/** Holds `echo-plugin/`, whose authentication test calls GET <url>/me with its bearer token. */
const FIXTURE_PLUGINS = path.resolve(__dirname, '..', 'fixtures', 'plugins');
const TOKEN = 'echo_token_auth_8d41f0';

const createDestination = `mutation ($input: DestinationInput!, $test: Boolean) { createDestination(input: $input, testAuthentication: $test) { id name } }`;
const testDestination = `mutation ($id: ID!) { testDestination(id: $id) { ok tested error } }`;

describe('testing a destination’s credentials (authentication.testAuthentication)', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;

  beforeAll(async () => {
    itinera = await startTestApp({ config: { pluginPaths: [FIXTURE_PLUGINS] } });
    receiver = await startRecordingServer();
  });
  afterAll(async () => {
    await receiver.close();
    await itinera.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.replyWith({ status: 200, body: { user: 'ada' } });
  });

  const echoInput = (name: string) => ({ name, plugin: 'echo', settings: { url: receiver.url, token: TOKEN } });
  const destinationNames = async () => (await itinera.graphql.query(`{ destinations { name } }`)).destinations.map((d: { name: string }) => d.name);

  it('testDestination runs the plugin’s test with the stored settings and reports the answer, secrets redacted', async () => {
    const { createDestination: echo } = await itinera.graphql.query(createDestination, { input: echoInput('Echo to test') });
    await expect(itinera.graphql.query(testDestination, { id: echo.id })).resolves.toEqual({ testDestination: { ok: true, tested: true, error: null } });
    expect(receiver.requests[0]).toMatchObject({ method: 'GET', path: '/me', headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}` }) });

    receiver.replyWith((req) => ({ status: 401, body: { error: `unknown token ${req.headers.authorization}` } }));
    const { testDestination: refused } = await itinera.graphql.query(testDestination, { id: echo.id });
    expect(refused).toEqual({ ok: false, tested: true, error: 'the token was refused: {"error":"unknown token Bearer [redacted]"}' });
  });

  it('createDestination with testAuthentication creates nothing when the credentials are refused', async () => {
    receiver.replyWith({ status: 403, body: 'forbidden' });
    const error = await itinera.graphql.error(createDestination, { input: echoInput('Refused echo'), test: true });
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', problems: [{ path: 'settings', message: 'authentication failed: the token was refused: "forbidden"' }] });
    expect(await destinationNames()).not.toContain('Refused echo');

    receiver.replyWith({ status: 200, body: { user: 'ada' } });
    await itinera.graphql.query(createDestination, { input: echoInput('Accepted echo'), test: true });
    expect(await destinationNames()).toContain('Accepted echo');
    expect(receiver.requests.map((r) => r.path)).toEqual(['/me', '/me']);
  });

  it('says so, without sending anything, for a plugin that has no authentication test', async () => {
    const webhook = { name: 'Plain hook', plugin: 'webhook', settings: { url: receiver.url } };
    const error = await itinera.graphql.error(createDestination, { input: webhook, test: true });
    expect(error.extensions?.problems).toEqual([{ path: 'settings', message: 'plugin "webhook" has no authentication test; create the destination without testAuthentication' }]);
    const { createDestination: hook } = await itinera.graphql.query(createDestination, { input: webhook });
    await expect(itinera.graphql.query(testDestination, { id: hook.id })).resolves.toEqual({
      testDestination: { ok: false, tested: false, error: 'this plugin has no authentication test' },
    });
    expect(receiver.requests).toHaveLength(0);
  });

  it('answers NOT_FOUND for an unknown destination', async () => {
    const error = await itinera.graphql.error(testDestination, { id: '00000000-0000-4000-8000-000000000000' });
    expect(error.extensions?.code).toBe('NOT_FOUND');
  });
});
