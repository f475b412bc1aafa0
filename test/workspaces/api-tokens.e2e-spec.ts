import { CredentialRevocations } from '../../src/tokens/credential-revocations';
import { WorkspaceService } from '../../src/workspaces/workspace.service';
import { IngestionClient } from '../harness/clients';
import { startTestApp, type TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { ActivitySocket, waitForSubscribers } from '../observability/live-activity';

const createApiToken = `mutation ($name: String!, $scope: ApiTokenScope!) {
  createApiToken(name: $name, scope: $scope) { secret token { id name scope createdAt lastUsedAt } }
}`;
const apiTokens = `{ apiTokens { id name scope createdAt lastUsedAt } }`;
const revokeApiToken = `mutation ($id: ID!) { revokeApiToken(id: $id) { id name scope } }`;
const createWriteKey = `mutation ($name: String!) { createWriteKey(name: $name) { secret writeKey { id name createdAt lastUsedAt } } }`;
const writeKeys = `{ writeKeys { id name createdAt lastUsedAt } }`;
const revokeWriteKey = `mutation ($id: ID!) { revokeWriteKey(id: $id) { id name } }`;
const profileQuery = `{ profile(userId: "88") { userId } }`;

describe('API tokens and write keys', () => {
  let itinera: TestApp;
  const sockets: ActivitySocket[] = [];

  beforeAll(async () => {
    itinera = await startTestApp();
  });
  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.close()));
    await itinera.close();
  });

  const issue = async (name: string, scope: 'ADMIN' | 'READ') => (await itinera.graphql.query(createApiToken, { name, scope })).createApiToken;

  it('createApiToken shows the secret once; apiTokens lists name, scope and dates, never the secret', async () => {
    const created = await issue('Growth dashboard', 'READ');
    expect(created).toMatchObject({
      secret: expect.stringMatching(/^itn_read_/),
      token: { name: 'Growth dashboard', scope: 'READ', createdAt: expect.any(String), lastUsedAt: null },
    });
    await itinera.graphql.withToken(created.secret).query(profileQuery);

    const listed = await waitFor(async () => {
      const { apiTokens: tokens } = await itinera.graphql.query(apiTokens);
      const dashboard = tokens.find((token: { id: string }) => token.id === created.token.id);
      return dashboard?.lastUsedAt ? tokens : undefined;
    }, { what: 'lastUsedAt to be recorded' });
    expect(listed.map((token: { name: string; scope: string }) => [token.name, token.scope])).toEqual([
      ['initial admin token', 'ADMIN'],
      ['Growth dashboard', 'READ'],
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const stored = await itinera.db.query('SELECT * FROM credentials');
    expect(JSON.stringify(stored.rows)).not.toContain(created.secret);
  });

  it('a READ token runs queries and subscriptions, and is refused every mutation with FORBIDDEN', async () => {
    const { secret } = await issue('Wallboard', 'READ');
    const reader = itinera.graphql.withToken(secret);
    expect(await reader.query(profileQuery)).toEqual({ profile: null });
    const refused = await reader.error(createApiToken, { name: 'escalate', scope: 'ADMIN' });
    expect(refused.extensions?.code).toBe('FORBIDDEN');
    const noDestination = await reader.error(`mutation { createDestination(input: { name: "x", plugin: "webhook", settings: { url: "https://example.com" } }) { id } }`);
    expect(noDestination.extensions?.code).toBe('FORBIDDEN');
    expect((await itinera.graphql.query(`{ destinations { id } }`)).destinations).toEqual([]);

    const socket = new ActivitySocket(itinera.url, `Bearer ${secret}`);
    sockets.push(socket);
    socket.watch();
    await waitForSubscribers(itinera, itinera.workspace.workspaceId, 1);
  });

  it('refuses mutations on graphql-ws sockets, where the READ scope and the audit log would not see them', async () => {
    const { secret } = await issue('Socket reader', 'READ');
    for (const token of [secret, itinera.workspace.adminToken]) {
      const socket = new ActivitySocket(itinera.url, `Bearer ${token}`);
      sockets.push(socket);
      const outcome = await new Promise<unknown>((resolve) => {
        socket.client.subscribe({ query: `mutation { createWriteKey(name: "over a socket") { secret } }` }, { next: resolve, error: resolve, complete: () => resolve('complete') });
      });
      expect(JSON.stringify(outcome)).toContain('mutations are not accepted over graphql-ws');
    }
    const { writeKeys: keys } = await itinera.graphql.query(writeKeys);
    expect(keys.map((key: { name: string }) => key.name)).not.toContain('over a socket');
  });

  it('revokeApiToken takes effect at once on HTTP, and closes the open graphql-ws sockets of that token (4403)', async () => {
    const { secret, token } = await issue('Ops script', 'ADMIN');
    const script = itinera.graphql.withToken(secret);
    await script.query(profileQuery);
    const socket = new ActivitySocket(itinera.url, `Bearer ${secret}`);
    sockets.push(socket);
    const watch = socket.watch();
    await waitFor(() => itinera.app.get(CredentialRevocations).socketCount(token.id) === 1, { what: 'the socket to be open' });

    await itinera.graphql.query(revokeApiToken, { id: token.id });
    expect((await script.error(profileQuery)).extensions?.code).toBe('UNAUTHENTICATED');
    await waitFor(() => socket.closeCodes.includes(4403), { what: 'the socket to be closed' });
    expect(watch.completed || watch.error).toBeTruthy();
    const { apiTokens: tokens } = await itinera.graphql.query(apiTokens);
    expect(tokens.map((t: { id: string }) => t.id)).not.toContain(token.id);
  });

  it('takes effect at once in every process: another API process drops the token it had cached', async () => {
    const other = await startTestApp({ databaseUrl: itinera.databaseUrl, workspace: itinera.workspace });
    try {
      const { secret, token } = await issue('Second process', 'ADMIN');
      await other.graphql.withToken(secret).query(profileQuery);
      await itinera.graphql.query(revokeApiToken, { id: token.id });
      const refused = await waitFor(async () => (await other.graphql.withToken(secret).request(profileQuery)).errors?.[0], {
        timeoutMs: 2000,
        what: 'the other process to refuse the revoked token',
      });
      expect(refused.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await other.close();
    }
  });

  it("refuses to revoke a workspace's last ADMIN token, and another workspace's token (NOT_FOUND)", async () => {
    const other = await itinera.createWorkspace('tokens-other');
    const [otherAdmin] = (await other.graphql.query(apiTokens)).apiTokens;
    expect((await itinera.graphql.error(revokeApiToken, { id: otherAdmin.id })).extensions?.code).toBe('NOT_FOUND');
    const last = await other.graphql.error(revokeApiToken, { id: otherAdmin.id });
    expect(last.extensions?.code).toBe('INVALID_STATE');
    expect(await other.graphql.query(profileQuery)).toEqual({ profile: null });
  });

  it('write keys: several per workspace, so one can be rotated without downtime; a revoked one gets 401 at once', async () => {
    const { createWriteKey: created } = await itinera.graphql.query(createWriteKey, { name: 'iOS app' });
    expect(created.secret).toMatch(/^itn_wk_/);
    const ios = new IngestionClient(itinera.url, created.secret);
    expect((await ios.track({ userId: '88', event: 'Application_Started' })).status).toBe(200);

    const { writeKeys: keys } = await itinera.graphql.query(writeKeys);
    expect(keys.map((key: { name: string }) => key.name)).toEqual(['initial write key', 'iOS app']);
    expect(JSON.stringify(keys)).not.toContain(created.secret);

    const initial = keys[0];
    await itinera.graphql.query(revokeWriteKey, { id: initial.id });
    expect((await itinera.ingestion.track({ userId: '88', event: 'Application_Started' })).status).toBe(401);
    expect((await ios.track({ userId: '88', event: 'Application_Completed' })).status).toBe(200);
  });

  it('the root token can create workspaces, and nothing else', async () => {
    const root = itinera.graphql.withToken(itinera.config.rootToken);
    const { createWorkspace } = await root.query(`mutation { createWorkspace(name: "root-made") { workspaceId adminToken } }`);
    expect(createWorkspace.adminToken).toMatch(/^itn_admin_/);
    for (const operation of [profileQuery, apiTokens, `mutation { createApiToken(name: "root", scope: ADMIN) { secret } }`]) {
      expect((await root.error(operation)).extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('the default workspace token from ITINERA_ADMIN_TOKEN', () => {
  it('replaces the one an earlier start took from there, and does not bring back a revoked one', async () => {
    let workspace: TestApp['workspace'] | undefined;
    const startWith = async (databaseUrl: string | undefined, defaultAdminToken: string) => {
      const app = await startTestApp({ databaseUrl, workspace, config: { defaultAdminToken } });
      workspace = app.workspace;
      await app.app.get(WorkspaceService).ensureDefaultWorkspace();
      return app;
    };
    const first = await startWith(undefined, 'itn_admin_env_first');
    const databaseUrl = first.databaseUrl;
    const viaFirst = first.graphql.withToken('itn_admin_env_first');
    expect(await viaFirst.query(profileQuery)).toEqual({ profile: null });
    await first.close();

    const second = await startWith(databaseUrl, 'itn_admin_env_second');
    try {
      expect((await second.graphql.withToken('itn_admin_env_first').error(profileQuery)).extensions?.code).toBe('UNAUTHENTICATED');
      const viaSecond = second.graphql.withToken('itn_admin_env_second');
      const { apiTokens: tokens } = await viaSecond.query(apiTokens);
      expect(tokens.map((t: { name: string }) => t.name)).toEqual(['ITINERA_ADMIN_TOKEN']);
      await viaSecond.query(createApiToken, { name: 'spare', scope: 'ADMIN' });
      await viaSecond.query(revokeApiToken, { id: tokens[0].id });
    } finally {
      await second.close();
    }

    const third = await startWith(databaseUrl, 'itn_admin_env_second');
    try {
      expect((await third.graphql.withToken('itn_admin_env_second').error(profileQuery)).extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await third.close();
    }
  });
});

describe('repeated wrong tokens and write keys from one address', () => {
  let itinera: TestApp;
  beforeAll(async () => {
    itinera = await startTestApp({ config: { authFailuresPerMinute: 5 } });
  });
  afterAll(() => itinera.close());

  it('are answered 429 with Retry-After once over the limit, before any lookup, for GraphQL and ingestion alike', async () => {
    const guesser = itinera.graphql.withToken('itn_admin_guess');
    for (let attempt = 0; attempt < 3; attempt++) expect((await guesser.error(profileQuery)).extensions?.code).toBe('UNAUTHENTICATED');
    const wrongKey = new IngestionClient(itinera.url, 'itn_wk_guess');
    for (let attempt = 0; attempt < 2; attempt++) expect((await wrongKey.track({ userId: '1', event: 'x' })).status).toBe(401);

    const graphql = await fetch(`${itinera.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer itn_admin_guess' },
      body: JSON.stringify({ query: profileQuery }),
    });
    expect(graphql.status).toBe(429);
    expect(Number(graphql.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(graphql.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const ingestion = await wrongKey.track({ userId: '1', event: 'x' });
    expect(ingestion.status).toBe(429);
    expect((await fetch(`${itinera.url}/health/live`)).status).toBe(200);

    const socket = new ActivitySocket(itinera.url, `Bearer ${itinera.workspace.adminToken}`);
    try {
      const watch = socket.watch();
      await waitFor(() => watch.error, { what: 'the socket of a throttled address to be refused' });
      expect(socket.closeCodes).toContain(4403);
    } finally {
      await socket.close();
    }
  });
});

describe('introspection', () => {
  it('is refused without a token in production, and allowed with one', async () => {
    const itinera = await startTestApp({ config: { laptopMode: false } });
    try {
      const query = `{ __schema { queryType { name } } }`;
      const anonymous = await itinera.graphql.withToken(undefined).error(query);
      expect(anonymous.extensions?.code).toBe('UNAUTHENTICATED');
      const viaFragment = await itinera.graphql.withToken(undefined).error(`query { ...T } fragment T on Query { __type(name: "Query") { name } }`);
      expect(viaFragment.extensions?.code).toBe('UNAUTHENTICATED');
      expect(await itinera.graphql.query(query)).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await itinera.close();
    }
  });

  it('is allowed without a token in laptop mode', async () => {
    const itinera = await startTestApp();
    try {
      expect(await itinera.graphql.withToken(undefined).query(`{ __schema { queryType { name } } }`)).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await itinera.close();
    }
  });
});
