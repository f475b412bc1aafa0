import path from 'node:path';
import { RecordingServer, startRecordingServer } from '@itinera/plugin-kit/testing';
import { launchBrowser, PageServer, startPageServer, TestBrowser } from '../harness/browser';
import { createWebhookDestination, instancesOf, loadExample, publishJourney } from '../harness/journeys';
import { startTestApp, TestApp } from '../harness/test-app';
import { waitFor } from '../harness/wait-for';

const ANALYTICS_NEXT_BUNDLE = path.resolve(__dirname, '..', '..', 'node_modules', '@segment', 'analytics-next', 'dist', 'umd');

// A shop's page: the library from node_modules (served by the shop, as a bundler would), nothing else.
const SHOP_PAGE = `<!doctype html>
<html><head><title>Checkout</title><link rel="icon" href="data:,"><script src="/analytics-next/index.js"></script></head>
<body><h1>Checkout</h1></body></html>`;

/**
 * The analytics.js snippet as Segment publishes it (the stub queue that records calls until the library
 * arrives), loading a self-hosted copy of the standalone bundle, with `analytics._cdn` set to Itinera.
 */
const snippetPage = (writeKey: string, itineraUrl: string) => `<!doctype html>
<html><head><title>Checkout</title><link rel="icon" href="data:,">
<script>
!function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src="/analytics-next/standalone.js";var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey=${JSON.stringify(writeKey)};analytics._cdn=${JSON.stringify(itineraUrl)};analytics.SNIPPET_VERSION="5.2.1";
analytics.load(${JSON.stringify(writeKey)});
analytics.identify("snippet-1", { first_name: "Ada", email: "ada@example.com" });
analytics.track("Order_Confirmation", { productId: "001", cart_ID: "cart-s1" });
}}();
</script></head><body><h1>Checkout</h1></body></html>`;

/**
 * The real @segment/analytics-next in headless Chromium, on a page of another origin than Itinera,
 * pointed at Itinera by `cdnURL` alone: it loads its settings from Itinera, then sends identify, track,
 * page, group and alias there (CORS preflights included), with the default and the batching strategy.
 */
describe('the Segment browser library, in a real browser', () => {
  let itinera: TestApp;
  let receiver: RecordingServer;
  let shop: PageServer;
  let browser: TestBrowser | undefined;
  let journeyId: string;

  beforeAll(async () => {
    itinera = await startTestApp();
    receiver = await startRecordingServer();
    const webhook = await createWebhookDestination(itinera.graphql, receiver.url);
    journeyId = (await publishJourney(itinera.graphql, loadExample('01-order-confirmation-forwarding.json', { destinationId: webhook }))).id;
    shop = await startPageServer({
      pages: { '/checkout': SHOP_PAGE, '/snippet': snippetPage(itinera.workspace.writeKey, itinera.url) },
      folders: { '/analytics-next/': ANALYTICS_NEXT_BUNDLE },
    });
  });
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
  });
  afterAll(async () => {
    await shop.close();
    await receiver.close();
    await itinera.close();
  });

  const eventsOf = async (userId: string) => (await itinera.db.query('SELECT * FROM events WHERE user_id = $1 ORDER BY seq', [userId])).rows;
  const traitsOf = async (userId: string) => (await itinera.db.query('SELECT traits FROM profiles WHERE user_id = $1', [userId])).rows[0]?.traits;
  const deliveriesTo = (userId: string) => receiver.requests.map((r) => r.json as any).filter((body) => body?.userId === userId);

  /**
   * Loads the library on the shop's page and makes a visitor's calls: anonymous first (identify with a
   * plan), then signed in as `userId`, alias from the anonymous id, an order, a page view and a group.
   */
  async function visitAndOrder(userId: string, cart: string, segmentOptions: Record<string, unknown>): Promise<{ anonymousId: string }> {
    browser = await launchBrowser();
    await browser.page.goto(`${shop.url}/checkout`);
    return browser.page.evaluate(
      async ({ writeKey, cdnURL, userId, cart, segmentOptions }) => {
        const { AnalyticsBrowser } = (globalThis as any).AnalyticsNext;
        const [analytics] = await AnalyticsBrowser.load({ writeKey, cdnURL }, { integrations: { 'Segment.io': segmentOptions } });
        const anonymousId: string = analytics.user().anonymousId();
        await analytics.identify({ plan: 'trial' });
        await analytics.identify(userId, { first_name: 'Ada', email: 'ada@example.com' });
        await analytics.alias(userId, anonymousId);
        await analytics.track('Order_Confirmation', { productId: '001', productName: 'T-Shirt', productPrice: '$55.34', cart_ID: cart });
        await analytics.page('Shop', 'Checkout', { step: 2 });
        await analytics.group('acme', { name: 'Acme Inc' });
        return { anonymousId };
      },
      { writeKey: itinera.workspace.writeKey, cdnURL: itinera.url, userId, cart, segmentOptions },
    );
  }

  async function expectStoredAndApplied(userId: string, anonymousId: string, cart: string) {
    const stored = await waitFor(async () => {
      const rows = await eventsOf(userId);
      return rows.length >= 3 ? rows : undefined;
    }, { what: `the events of ${userId}` });
    expect(stored.map((e) => [e.type, e.event])).toEqual([
      ['identify', null],
      ['track', 'Order_Confirmation'],
      ['page', 'Page Viewed'],
    ]);
    const [, track, page] = stored;
    expect(track.properties).toMatchObject({ cart_ID: cart });
    expect(track.anonymous_id).toBe(anonymousId);
    expect(track.context).toMatchObject({ library: { name: 'analytics.js' }, page: { path: '/checkout', url: `${shop.url}/checkout` } });
    expect(track.original_timestamp).not.toBeNull(); // the library sends sentAt: the timestamp was checked for clock skew
    expect(page.properties).toMatchObject({ name: 'Checkout', category: 'Shop', step: 2 });
    expect((await eventsOf(anonymousId)).map((e) => e.type)).toEqual(['identify']);

    // Traits merged: the signed-in identify's, and through the alias the anonymous visitor's plan.
    expect(await traitsOf(userId)).toEqual({ first_name: 'Ada', email: 'ada@example.com', plan: 'trial' });

    const [delivery] = await waitFor(() => (deliveriesTo(userId).length ? deliveriesTo(userId) : undefined), { what: `a delivery to ${userId}` });
    expect(delivery).toMatchObject({ key: 'forward_order_confirmation', journeyId, data: { email: 'ada@example.com', greeting: 'Thanks for your order, Ada!' } });
    expect(delivery.data.order).toMatchObject({ cart_ID: cart });
    expect(await instancesOf(itinera.db, journeyId, userId)).toHaveLength(1);

    const hosts = new Set(browser!.requestedUrls.map((url) => new URL(url).host));
    expect([...hosts].sort()).toEqual([new URL(itinera.url).host, new URL(shop.url).host].sort());
    expect(browser!.requestedUrls).toContain(`${itinera.url}/v1/projects/${itinera.workspace.writeKey}/settings`);
    expect(browser!.failedRequests).toEqual([]);
    expect(browser!.consoleErrors).toEqual([]);
  }

  it('sends each call as it is made (the default strategy) to the short endpoints', async () => {
    const { anonymousId } = await visitAndOrder('browser-1', 'cart-b1', {});
    await expectStoredAndApplied('browser-1', anonymousId, 'cart-b1');
    const paths = browser!.requestedUrls.filter((url) => url.startsWith(itinera.url)).map((url) => new URL(url).pathname);
    expect(new Set(paths)).toEqual(new Set([`/v1/projects/${itinera.workspace.writeKey}/settings`, '/v1/i', '/v1/a', '/v1/t', '/v1/p', '/v1/g']));
  });

  // size 6: the six calls leave in one batch, in order, however slowly the page makes them.
  it('sends the same calls in batches to /v1/b with the batching strategy', async () => {
    const { anonymousId } = await visitAndOrder('browser-2', 'cart-b2', { deliveryStrategy: { strategy: 'batching', config: { size: 6, timeout: 5000 } } });
    await expectStoredAndApplied('browser-2', anonymousId, 'cart-b2');
    const paths = browser!.requestedUrls.filter((url) => url.startsWith(itinera.url)).map((url) => new URL(url).pathname);
    expect(new Set(paths)).toEqual(new Set([`/v1/projects/${itinera.workspace.writeKey}/settings`, '/v1/b']));
  });

  it('works from the analytics.js snippet loading a self-hosted bundle, with analytics._cdn set to Itinera', async () => {
    browser = await launchBrowser();
    await browser.page.goto(`${shop.url}/snippet`);
    const [delivery] = await waitFor(() => (deliveriesTo('snippet-1').length ? deliveriesTo('snippet-1') : undefined), { what: 'a delivery to snippet-1' });
    expect(delivery.data).toMatchObject({ order: { cart_ID: 'cart-s1' } });
    // The calls the snippet queued are sent at once, on separate requests: their order is the library's, not ours.
    expect((await eventsOf('snippet-1')).map((e) => e.type).sort()).toEqual(['identify', 'track']);
    expect(await traitsOf('snippet-1')).toEqual({ first_name: 'Ada', email: 'ada@example.com' });
    expect(new Set(browser.requestedUrls.map((url) => new URL(url).host))).toEqual(new Set([new URL(itinera.url).host, new URL(shop.url).host]));
    expect(browser.failedRequests).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
  });
});
