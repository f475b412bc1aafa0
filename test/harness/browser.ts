import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`, done by .ci/run): no browser is downloaded. */
export const CHROMIUM_PATH = process.env.ITINERA_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless, and quiet: nothing of its own goes to the network (there is none but 127.0.0.1 here). */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  newPage(): Promise<Page>;
  /** Every URL the browser asked for, to show nothing left 127.0.0.1. */
  requestedUrls: string[];
  /** Requests that failed at the network level (CORS refusals included), with the reason. */
  failedRequests: string[];
  /** What the page logged as console errors. */
  consoleErrors: string[];
  close(): Promise<void>;
}

/** A fresh headless Chromium with a profile of its own (no cookies, storage or cache from another test). */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium (as .ci/run does), or set ITINERA_CHROMIUM_PATH`);
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 860 },
  });
  const requestedUrls: string[] = [];
  const failedRequests: string[] = [];
  const consoleErrors: string[] = [];
  context.on('request', (request) => requestedUrls.push(request.url()));
  context.on('requestfailed', (request) => failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  return {
    context,
    page,
    newPage: () => context.newPage(),
    requestedUrls,
    failedRequests,
    consoleErrors,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

/**
 * Serves test pages on 127.0.0.1: `pages` by exact path, and whole folders under a URL prefix
 * (e.g. `{ '/analytics-next/': 'node_modules/@segment/analytics-next/dist/umd' }`), so a page loads
 * libraries from node_modules, never from the internet.
 */
export async function startPageServer({ pages = {}, folders = {} }: { pages?: Record<string, string>; folders?: Record<string, string> }): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (pages[pathname] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pages[pathname]);
      return;
    }
    for (const [prefix, folder] of Object.entries(folders)) {
      if (!pathname.startsWith(prefix)) continue;
      const root = path.resolve(folder);
      const file = path.resolve(root, pathname.slice(prefix.length));
      if (file.startsWith(root + path.sep) && existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': `${CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream'}; charset=utf-8` }).end(readFileSync(file));
        return;
      }
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
