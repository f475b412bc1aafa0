import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core drives it and downloads no browser of its own. */
export const CHROMIUM_PATH = process.env.ITINERA_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Quiet and self-contained: no sandbox (CI runs as root), nothing phoned home, nothing kept between runs. */
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
  newPage(): Promise<Page>;
  /** Every URL the pages asked for, to show that nothing left 127.0.0.1. */
  readonly requestedUrls: string[];
  close(): Promise<void>;
}

/** A real headless Chromium with a fresh profile of its own (its --user-data-dir), removed on close. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install -y chromium) or set ITINERA_CHROMIUM_PATH`);
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'itinera-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 860 },
  });
  const requestedUrls: string[] = [];
  context.on('request', (request) => requestedUrls.push(request.url()));
  return {
    context,
    requestedUrls,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
