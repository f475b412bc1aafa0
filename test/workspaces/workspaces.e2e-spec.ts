import { startTestApp, TestApp } from '../harness/test-app';

describe('workspaces', () => {
  let itinera: TestApp;

  beforeAll(async () => {
    itinera = await startTestApp();
  });
  afterAll(() => itinera.close());

  const createWorkspace = `mutation ($name: String!) { createWorkspace(name: $name) { workspaceId name adminToken writeKey } }`;

  it('creates a workspace with the root token, and stores only hashes of its tokens', async () => {
    const { createWorkspace: created } = await itinera.graphql.withToken('test-root-token').query(createWorkspace, { name: 'acme' });
    expect(created).toMatchObject({ name: 'acme', adminToken: expect.stringMatching(/^itn_admin_/), writeKey: expect.stringMatching(/^itn_wk_/) });

    const stored = (await itinera.db.query('SELECT * FROM workspaces WHERE id = $1', [created.workspaceId])).rows[0];
    expect(JSON.stringify(stored)).not.toContain(created.adminToken);
    expect(JSON.stringify(stored)).not.toContain(created.writeKey);
    const usable = await itinera.graphql.withToken(created.adminToken).query(`{ profile(userId: "nobody") { userId } }`);
    expect(usable).toEqual({ profile: null });
  });

  it('refuses createWorkspace without the root token, or with an admin token', async () => {
    const anonymous = await itinera.graphql.withToken(undefined).error(createWorkspace, { name: 'nope-1' });
    const admin = await itinera.graphql.error(createWorkspace, { name: 'nope-2' });
    expect(anonymous.extensions?.code).toBe('UNAUTHENTICATED');
    expect(admin.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers CONFLICT for a name already taken', async () => {
    const error = await itinera.graphql.withToken('test-root-token').error(createWorkspace, { name: 'test' });
    expect(error.extensions?.code).toBe('CONFLICT');
  });

  it('refuses admin queries with a missing or unknown token', async () => {
    const missing = await itinera.graphql.withToken(undefined).error(`{ profile(userId: "x") { userId } }`);
    const unknown = await itinera.graphql.withToken('itn_admin_unknown').error(`{ profile(userId: "x") { userId } }`);
    expect(missing.extensions?.code).toBe('UNAUTHENTICATED');
    expect(unknown.extensions?.code).toBe('UNAUTHENTICATED');
  });

  describe('isolation', () => {
    it("keeps a workspace's write key from writing into another, and its admin token from reading another's profiles", async () => {
      const a = { graphql: itinera.graphql, ingestion: itinera.ingestion };
      const b = await itinera.createWorkspace('workspace-b');

      expect((await b.ingestion.identify({ userId: 'shared-user', traits: { owner: 'b' } })).status).toBe(200);
      expect((await a.ingestion.identify({ userId: 'shared-user', traits: { owner: 'a' } })).status).toBe(200);

      // The same userId in two workspaces is two profiles; neither sees the other's.
      expect(await a.graphql.query(`{ profile(userId: "shared-user") { traits } }`)).toEqual({ profile: { traits: { owner: 'a' } } });
      expect(await b.graphql.query(`{ profile(userId: "shared-user") { traits } }`)).toEqual({ profile: { traits: { owner: 'b' } } });

      expect((await b.ingestion.track({ userId: 'only-in-b', event: 'Order_Confirmation' })).status).toBe(200);
      expect(await a.graphql.query(`{ profile(userId: "only-in-b") { traits } }`)).toEqual({ profile: null });

      const rows = (await itinera.db.query('SELECT workspace_id, count(*)::int AS n FROM events WHERE user_id = $1 GROUP BY 1', ['only-in-b'])).rows;
      expect(rows).toEqual([{ workspace_id: b.credentials.workspaceId, n: 1 }]);
    });
  });
});
