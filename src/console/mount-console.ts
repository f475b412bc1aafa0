import { INestApplication } from '@nestjs/common';
import express from 'express';
import path from 'node:path';
import { apiExplorer } from './api-explorer';
import { consoleRoot, VENDOR_FOLDERS, vendorFolder } from './console-assets';

/**
 * The web console at `/` and the API explorer at GET /graphql, served by the API process itself.
 * Mounted before Nest's routes so the explorer answers browsers ahead of Apollo.
 */
export function mountConsole(app: INestApplication): void {
  const root = consoleRoot();
  app.use('/graphql', apiExplorer);
  app.use('/console', express.static(root, { index: false, fallthrough: false }));
  for (const [prefix, { packageName, folder }] of Object.entries(VENDOR_FOLDERS)) {
    app.use(prefix, express.static(vendorFolder(packageName, folder), { index: false, fallthrough: false }));
  }
  // The console is one page; its views live in the URL's hash.
  app.use((request: express.Request, response: express.Response, next: express.NextFunction) => {
    if (request.method === 'GET' && request.path === '/') return response.sendFile(path.join(root, 'index.html'));
    next();
  });
}
