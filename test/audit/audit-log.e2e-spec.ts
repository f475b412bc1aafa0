import { GraphqlClient } from '../harness/clients';
import { loadExample } from '../harness/journeys';
import { startTestApp, type TestApp } from '../harness/test-app';

const auditLog = `query ($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    nodes { id at tokenId tokenName operation targetId outcome changedFields values }
    pageInfo { hasNextPage endCursor }
  }
}`;
const WEBHOOK_SECRET = 'whsec_audit_e2e_40f1';
const AUTH_HEADER = 'Bearer sk_live_audit_77aa';
const URL_TOKEN = 'tok_audit_url_9c9c';

describe('audit log', () => {
  let itinera: TestApp;
  let admin: GraphqlClient;
  let adminTokenId: string;
  let destinationId: string;
  let journeyId: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    const { createApiToken } = await itinera.graphql.query(`mutation { createApiToken(name: "Release script", scope: ADMIN) { secret token { id } } }`);
    admin = itinera.graphql.withToken(createApiToken.secret);
    adminTokenId = createApiToken.token.id;

    const { createDestination } = await admin.query(`mutation ($input: DestinationInput!) { createDestination(input: $input) { id } }`, {
      input: { name: 'CRM hook', plugin: 'webhook', settings: { url: `https://crm.example.com/hooks/${URL_TOKEN}?token=${URL_TOKEN}`, secret: WEBHOOK_SECRET, headers: { Authorization: AUTH_HEADER } } },
    });
    destinationId = createDestination.id;
    const { createJourney } = await admin.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, {
      input: loadExample('02-application-abandonment.json', { destinationId, name: 'Application nudge' }),
    });
    journeyId = createJourney.id;
  });
  afterAll(() => itinera.close());

  const entriesFor = async (filter: Record<string, unknown>) => (await itinera.graphql.query(auditLog, { filter })).auditLog.nodes;

  it('records who ran each mutation, on what, and when', async () => {
    const [created] = await entriesFor({ operation: 'createDestination' });
    expect(created).toMatchObject({
      tokenId: adminTokenId,
      tokenName: 'Release script',
      operation: 'createDestination',
      targetId: destinationId,
      outcome: 'OK',
      changedFields: ['name', 'plugin', 'settings.headers', 'settings.secret', 'settings.url'],
      values: { name: 'CRM hook', plugin: 'webhook' },
    });
    expect(Date.now() - new Date(created.at).getTime()).toBeLessThan(60_000);
  });

  it('names only the journey fields an update really changed', async () => {
    const { journey } = await admin.query(`query ($id: ID!) { journey(id: $id) { description } }`, { id: journeyId });
    // The description given as it is: not a change.
    await admin.query(`mutation ($id: ID!, $input: JourneyPatchInput!) { updateJourney(id: $id, input: $input) { id } }`, {
      id: journeyId,
      input: { name: 'Application nudge v2', description: journey.description },
    });
    const [updated] = await entriesFor({ operation: 'updateJourney', targetId: journeyId });
    expect(updated).toMatchObject({ tokenName: 'Release script', targetId: journeyId, outcome: 'OK', changedFields: ['name'] });
  });

  it('names the destination settings an update changed, and a secret given again, without values', async () => {
    await admin.query(`mutation ($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) { id } }`, {
      id: destinationId,
      input: { name: 'CRM hook', plugin: 'webhook', settings: { url: `https://crm.example.com/hooks/${URL_TOKEN}?token=${URL_TOKEN}`, secret: 'whsec_rotated_1', timeoutMs: 5000 } },
    });
    const [updated] = await entriesFor({ operation: 'updateDestination' });
    expect(updated.changedFields).toEqual(['settings.secret', 'settings.timeoutMs']);
  });

  it('records refused mutations with their error code', async () => {
    await admin.error(`mutation { archiveJourney(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    const [refused] = await entriesFor({ operation: 'archiveJourney' });
    expect(refused).toMatchObject({ outcome: 'NOT_FOUND', targetId: '00000000-0000-4000-8000-000000000000' });
  });

  it('records token management, and the root token creating a workspace in the new workspace', async () => {
    const { createApiToken } = await admin.query(`mutation { createApiToken(name: "Short-lived", scope: READ) { token { id } } }`);
    await admin.query(`mutation ($id: ID!) { revokeApiToken(id: $id) { id } }`, { id: createApiToken.token.id });
    const entries = await entriesFor({ targetId: createApiToken.token.id });
    expect(entries.map((e: { operation: string; values: unknown }) => [e.operation, e.values])).toEqual([
      ['revokeApiToken', null],
      ['createApiToken', { name: 'Short-lived', scope: 'READ' }],
    ]);

    const { createWorkspace } = await itinera.graphql
      .withToken(itinera.config.rootToken)
      .query(`mutation { createWorkspace(name: "audited") { workspaceId adminToken } }`);
    const theirs = await itinera.graphql.withToken(createWorkspace.adminToken).query(auditLog, {});
    expect(theirs.auditLog.nodes).toEqual([expect.objectContaining({ operation: 'createWorkspace', tokenId: null, tokenName: 'root token', targetId: createWorkspace.workspaceId })]);
  });

  it('is readable by READ tokens, whose refused mutations are not changes', async () => {
    const { createApiToken } = await itinera.graphql.query(`mutation { createApiToken(name: "Auditor", scope: READ) { secret } }`);
    const auditor = itinera.graphql.withToken(createApiToken.secret);
    await auditor.error(`mutation { createWriteKey(name: "sneaky") { secret } }`);
    const { auditLog: log } = await auditor.query(auditLog, {});
    expect(log.nodes.length).toBeGreaterThan(3);
    expect(log.nodes.map((e: { operation: string }) => e.operation)).not.toContain('createWriteKey');
  });

  it('pages newest first with first and after', async () => {
    const all = (await itinera.graphql.query(auditLog, { first: 200 })).auditLog.nodes.map((e: { id: string }) => e.id);
    const page1 = (await itinera.graphql.query(auditLog, { first: 2 })).auditLog;
    const page2 = (await itinera.graphql.query(auditLog, { first: 2, after: page1.pageInfo.endCursor })).auditLog;
    expect([...page1.nodes, ...page2.nodes].map((e: { id: string }) => e.id)).toEqual(all.slice(0, 4));
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(all.map(Number)).toEqual([...all.map(Number)].sort((a, b) => b - a));
  });

  it('records nothing secret', async () => {
    const rows = await itinera.db.query('SELECT * FROM audit_log');
    const text = JSON.stringify(rows.rows);
    for (const secret of [WEBHOOK_SECRET, AUTH_HEADER, URL_TOKEN, 'whsec_rotated_1', 'itn_admin_', 'itn_read_']) expect(text).not.toContain(secret);
  });
});
