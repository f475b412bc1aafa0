import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { seed } from '../../src/engine/seed-events.fixture';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { subscriberCount } from '../observability/live-activity';
import { createWebhookDestination, loadExample, publishJourney } from '../harness/journeys';
import { GraphqlClient } from '../harness/clients';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';
import { launchBrowser, TestBrowser } from '../harness/browser';

// Every run saves its screenshots; the copies the README shows (docs/screenshots) are rewritten only when
// asked (ITINERA_UPDATE_SCREENSHOTS=1), so a test run leaves the working tree as it found it.
const SCREENSHOTS = process.env.ITINERA_UPDATE_SCREENSHOTS
  ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots')
  : mkdtempSync(path.join(os.tmpdir(), 'itinera-screenshots-'));
const LIVE_MS = 10_000;

/**
 * The console in a real headless Chromium against a real server: signed in with an API token, it
 * shows what the public API says and updates live from graphql-ws as events are sent.
 */
describe('web console', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let browser: TestBrowser;
  let page: Page;
  let journey: { id: string };
  let webhookId: string;

  const started = (userId: string, applicationId: string) => ({
    ...seed.applicationStarted,
    userId,
    properties: { ...seed.applicationStarted.properties, Application_id: applicationId },
  });
  const completed = (userId: string, applicationId: string) => ({
    ...seed.applicationCompleted,
    userId,
    properties: { ...seed.applicationCompleted.properties, Application_id: applicationId },
  });
  const text = (selector: string) => page.locator(selector).first().textContent({ timeout: LIVE_MS });
  const waitForText = (selector: string, expected: string | RegExp) =>
    waitFor(
      async () => {
        const shown = (await page.locator(selector).first().textContent({ timeout: 1000 }).catch(() => null)) ?? '';
        return (typeof expected === 'string' ? shown.includes(expected) : expected.test(shown)) && shown;
      },
      { timeoutMs: LIVE_MS, what: `${selector} to show ${expected}` },
    );
  /** graphql-ws does not acknowledge subscriptions: wait until the server has the page's. */
  const waitForLivePage = async (count = 1) => {
    await page.locator('#live-status[data-status="live"]').waitFor({ timeout: LIVE_MS });
    await waitFor(() => subscriberCount(itinera, itinera.workspace.workspaceId) >= count, { what: 'the page to subscribe' });
  };
  const screenshot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url, { timeoutMs: 2000 });
    webhookId = webhook;
    journey = await publishJourney(itinera.graphql, loadExample('02-application-abandonment.json', { destinationId: webhook, durations: { PT2H: 'PT1H' } }));
    await itinera.graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, {
      input: loadExample('03-cart-abandonment.json', { destinationId: webhook, name: 'Cart abandonment (draft)' }),
    });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await itinera?.close();
    await receiver?.close();
  });

  it('signs in with an API token and lists the journeys with their status and version', async () => {
    await page.goto(itinera.url);
    await page.fill('#token-input', 'not-a-token');
    await page.click('#sign-in button[type=submit]');
    expect(await text('#sign-in-error')).toMatch(/token/i);

    await page.fill('#token-input', itinera.workspace.adminToken);
    await page.click('#sign-in button[type=submit]');
    const published = page.locator(`tr[data-journey="${journey.id}"]`);
    await published.waitFor({ timeout: LIVE_MS });
    expect(await published.textContent()).toContain('Application abandonment nudge');
    expect(await published.locator('.status').textContent()).toBe('PUBLISHED');
    expect(await text('#journeys')).toContain('Cart abandonment (draft)');
    expect(await text('#journeys')).toContain('DRAFT');
  });

  it('draws the published journey as a graph whose counts change live as events arrive', async () => {
    await page.goto(`${itinera.url}/#/journeys/${journey.id}`);
    await waitForLivePage();
    expect(await text('[data-step="wait_for_completion"] .here')).toBe('0 here');
    expect(await text('[data-step="wait_for_completion"]')).toContain('HOLD UNTIL');
    expect(await text('[data-edge="wait_for_completion:completed"]')).toContain('Application_Completed · 0');
    expect(await text('[data-edge="wait_for_completion:timeout"]')).toContain('timeout PT1H · 0');
    // Its version history: one version, published when the journey was.
    expect(await text('#versions')).toMatch(/v1 \(current\).*First version\./s);

    await itinera.ingestion.send(started('88', '1234'));
    await itinera.ingestion.send(started('89', '5678'));
    await waitForText('[data-step="wait_for_completion"] .here', '2 here');
    await waitForText('#stat-entered', '2 entered');

    await itinera.ingestion.send(completed('88', '1234'));
    await waitForText('[data-step="wait_for_completion"] .here', '1 here');
    await waitForText('[data-edge="wait_for_completion:completed"] .taken', '1');
    await waitForText('#stat-completed', '1 completed');
    await screenshot('journey-graph');
  });

  it('follows an instance: its timeline grows as the user acts', async () => {
    await page.goto(`${itinera.url}/#/journeys/${journey.id}`);
    await page.locator('#instances .instance-link').first().click();
    await waitForText('#instance-step', 'wait_for_completion');
    expect(await page.locator('#timeline li').evaluateAll((items) => items.map((li) => li.getAttribute('data-type')))).toEqual(['ENTERED', 'STEP_ENTERED']);
    await waitFor(() => subscriberCount(itinera, itinera.workspace.workspaceId) >= 1, { what: 'the instance page to subscribe' });

    await itinera.ingestion.send(completed('89', '5678'));
    await waitFor(
      async () => (await page.locator('#timeline li').evaluateAll((items) => items.map((li) => li.getAttribute('data-type')))).includes('COMPLETED'),
      { timeoutMs: LIVE_MS, what: 'the completion on the timeline' },
    );
    await waitForText('#instance-status', 'COMPLETED');
    await screenshot('instance-timeline');

    await page.locator('a[href^="#/profiles/"]').first().click();
    await waitForText('#profile-journeys', 'Application abandonment nudge');
    expect(await text('#recent-events')).toContain('Application_Completed');
    await screenshot('profile');
  });

  it('shows a live activity row as it arrives', async () => {
    await page.goto(`${itinera.url}/#/activity`);
    await waitForLivePage();
    const before = await page.locator('#activity tbody tr').count();
    await itinera.ingestion.send(started('90', 'A-90'));
    const row = page.locator('#activity tbody tr.arrived[data-type="ENTERED"]');
    await row.first().waitFor({ timeout: LIVE_MS });
    expect(await row.first().textContent()).toContain('90');
    expect(await page.locator('#activity tbody tr').count()).toBeGreaterThan(before);

    await page.selectOption('#activity-filters select[name=type]', 'STEP_ENTERED');
    await page.fill('#activity-filters input[name=userId]', '90');
    await page.click('#activity-filters button[type=submit]');
    await waitFor(async () => (await page.locator('#activity tbody tr').count()) === 1, { timeoutMs: LIVE_MS, what: 'the filtered log' });
    expect(await page.locator('#activity tbody tr').getAttribute('data-type')).toBe('STEP_ENTERED');
    await page.goto(`${itinera.url}/#/activity`);
    await waitForLivePage();
    await screenshot('activity');
  });

  it('lists deliveries by status, with attempts and the last error', async () => {
    receiver.replyWith((request) => (request.path.startsWith('/refuse') ? { status: 400, body: { error: 'unknown customer' } } : { status: 200, body: { ok: true } }));
    const refusing = await createWebhookDestination(itinera.graphql, `${receiver.url}/refuse`, { timeoutMs: 2000 });
    await publishJourney(itinera.graphql, loadExample('01-order-confirmation-forwarding.json', { destinationId: webhookId }));
    await publishJourney(itinera.graphql, loadExample('01-order-confirmation-forwarding.json', { destinationId: refusing, name: 'Order forwarding, refused' }));
    await itinera.ingestion.send(seed.orderConfirmation99);
    await waitFor(
      async () => {
        const { deliveries } = await itinera.graphql.query('{ deliveries { nodes { status } } }');
        const statuses = deliveries.nodes.map((d: { status: string }) => d.status).sort();
        return statuses.join() === 'DELIVERED,FAILED';
      },
      { what: 'one delivery delivered, one refused' },
    );

    await page.goto(`${itinera.url}/#/deliveries`);
    await page.locator('#deliveries').waitFor({ timeout: LIVE_MS });
    expect(await page.locator('#deliveries tbody tr').count()).toBe(2);
    const failed = page.locator('#deliveries tr[data-status="FAILED"]');
    expect(await failed.textContent()).toContain('Order forwarding, refused');
    expect(await failed.locator('.error-text').textContent()).toMatch(/400/);
    await screenshot('deliveries');

    await page.locator('.tabs a', { hasText: 'DELIVERED' }).click();
    await waitFor(async () => (await page.locator('#deliveries tbody tr').count()) === 1 && (await page.locator('#deliveries tr[data-status="DELIVERED"]').count()) === 1, {
      timeoutMs: LIVE_MS,
      what: 'only the delivered one',
    });
    await page.goto(`${itinera.url}/#/journeys`);
    await page.locator('#journeys').waitFor({ timeout: LIVE_MS });
    await screenshot('journeys');
  });

  it('draws every kind of way out: hold branches and timeouts, split true/false, multi-branch and else, a loop back, the goal', async () => {
    const funnel = loadExample('07-multi-step-funnel-loopback.json', { destinationId: webhookId });
    const { createJourney } = await itinera.graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, { input: funnel });
    await page.goto(`${itinera.url}/#/journeys/${createJourney.id}`);
    await page.locator('[data-step="still_visiting"]').waitFor({ timeout: LIVE_MS });
    expect(await text('[data-step="still_visiting"]')).toContain('SPLIT');
    expect(await text('[data-edge="still_visiting:true"]')).toBe('true · 0');
    expect(await text('[data-edge="still_visiting:false"]')).toBe('false · 0');
    expect(await text('[data-edge="await_subscription:subscribed"]')).toContain('Subscription Started');
    expect(await page.locator('[data-edge="account_reminder:next"]').count()).toBe(1); // the loop back to await_account
    expect(await text('#goal')).toBe('goal Subscription Started: 0 of 0 converted (—) — target 10%');
    await screenshot('journey-funnel');

    const tiers = await itinera.graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, {
      input: {
        name: 'Tiers',
        trigger: { type: 'EVENT', event: { event: 'Signed_Up' } },
        steps: [
          {
            key: 'by_tier',
            name: 'By tier',
            type: 'MULTI_BRANCH',
            multiBranch: {
              branches: [{ key: 'gold', next: 'wait_a_day', condition: { filters: [{ path: 'entry.properties.tier', operator: 'EQUALS', values: ['gold'] }] } }],
              elseNext: null,
            },
          },
          { key: 'wait_a_day', name: 'Wait a day', type: 'WAIT', wait: { duration: 'P1D' } },
        ],
      },
    });
    await page.goto(`${itinera.url}/#/journeys/${tiers.createJourney.id}`);
    await page.locator('[data-step="by_tier"]').waitFor({ timeout: LIVE_MS });
    expect(await text('[data-edge="by_tier:gold"]')).toBe('gold · 0');
    expect(await text('[data-edge="by_tier:else"]')).toBe('else · 0');
    expect(await text('[data-edge="wait_a_day:next"]')).toBe('after P1D · 0');
  });

  it('publishes a draft only after the confirmation', async () => {
    const draft = await itinera.graphql.query(`{ journeys(status: DRAFT) { nodes { id } } }`);
    const draftId = draft.journeys.nodes[0].id;
    await page.goto(`${itinera.url}/#/journeys/${draftId}`);
    await page.locator('[data-action="publish"]').click();
    await page.locator('#confirm-cancel').click();
    expect(await text('#journey-status')).toBe('DRAFT');

    await page.locator('[data-action="publish"]').click();
    expect(await text('#confirm-message')).toContain('Publish "Cart abandonment (draft)"');
    await page.locator('#confirm-ok').click();
    await waitForText('#journey-status', 'PUBLISHED');
    const { journey: stored } = await itinera.graphql.query(`query ($id: ID!) { journey(id: $id) { status } }`, { id: draftId });
    expect(stored.status).toBe('PUBLISHED');
  });

  it('shows a READ token no actions, so it cannot publish', async () => {
    const { createJourney } = await itinera.graphql.query(`mutation ($input: JourneyInput!) { createJourney(input: $input) { id } }`, {
      input: { ...loadExample('02-application-abandonment.json', { destinationId: '00000000-0000-0000-0000-000000000000' }), name: 'Read-only look' },
    });
    // A real READ token (a dashboard's): the console asks `viewer { scope }` and offers actions only to ADMIN.
    const { createApiToken } = await itinera.graphql.query(`mutation { createApiToken(name: "wall dashboard", scope: READ) { secret } }`);
    const readOnly = await browser.newPage();
    const storeToken = (token: string) =>
      readOnly.evaluate((t) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('itinera.token', t), token);
    try {
      await readOnly.goto(itinera.url);
      // Pages of one browser share the stored token: this one signs in as READ, the admin's is put back after.
      await storeToken(createApiToken.secret);
      await readOnly.goto(`${itinera.url}/#/journeys/${createJourney.id}`);
      await readOnly.reload();
      await readOnly.locator('#read-only-note').waitFor({ timeout: LIVE_MS });
      expect(await readOnly.locator('[data-action]').count()).toBe(0);
      expect(await readOnly.locator('#who .scope').textContent()).toBe('read-only');
    } finally {
      await storeToken(itinera.workspace.adminToken);
      await readOnly.close();
    }
    // And the API itself refuses the token's publish, whatever a client shows.
    const refused = await new GraphqlClient(itinera.url, createApiToken.secret).error(`mutation ($id: ID!) { publishJourney(id: $id) { id } }`, { id: createJourney.id });
    expect(refused.extensions?.code).toBe('FORBIDDEN');

    await page.goto(`${itinera.url}/#/journeys/${createJourney.id}`);
    await page.locator('[data-action="publish"]').waitFor({ timeout: LIVE_MS });
  });

  it('serves the API explorer at /graphql to a browser, offline, with the token entered once', async () => {
    await page.goto(`${itinera.url}/graphql`);
    await page.locator('.graphiql-container').waitFor({ timeout: LIVE_MS });
    // The token the console keeps is the explorer's too.
    expect(await page.inputValue('#token')).toBe(itinera.workspace.adminToken);
    await page.locator('.graphiql-execute-button').click();
    await waitForText('.result-window', itinera.workspace.workspaceId);
    await screenshot('api-explorer');

    // Subscriptions run over graphql-ws with the same token.
    const subscription = 'subscription { activity(types: [ENTERED]) { type userId } }';
    await page.goto(`${itinera.url}/graphql?query=${encodeURIComponent(subscription)}`);
    // Earlier pages' subscriptions end with their sockets; then the count is the explorer's alone.
    await waitFor(() => subscriberCount(itinera, itinera.workspace.workspaceId) === 0, { what: 'earlier pages to unsubscribe' });
    await page.locator('.graphiql-execute-button').click();
    await waitFor(() => subscriberCount(itinera, itinera.workspace.workspaceId) >= 1, { what: 'the explorer to subscribe' });
    await itinera.ingestion.send(started('91', 'X-91'));
    await waitForText('.result-window', '"userId": "91"');
    const elsewhere = browser.requestedUrls.filter((url) => !url.startsWith(itinera.url) && !/^(data|blob|about):/.test(url));
    expect(elsewhere).toEqual([]);
  });
});
