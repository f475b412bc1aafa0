import type { NextFunction, Request, Response } from 'express';

/**
 * GET /graphql from a browser (it asks for text/html) gets GraphiQL; every other GET goes on to
 * Apollo, whose CSRF protection still refuses it. Upgrades to graphql-ws never reach express routes.
 */
export function apiExplorer(request: Request, response: Response, next: NextFunction): void {
  // `Accept: */*` (curl) or none picks the first listed, JSON: only a real preference for HTML gets the page.
  if (request.method !== 'GET' || request.accepts(['application/json', 'text/html']) !== 'text/html') return next();
  response.type('html').send(EXPLORER_PAGE);
}

/**
 * GraphiQL 3 (the last major with a browser bundle that needs no build step) on React 18, all from
 * node_modules. The token is asked once and kept in localStorage, shared with the console; it goes in
 * the Authorization header and in graphql-ws's connectionParams.
 */
const EXPLORER_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Itinera API explorer</title>
  <link rel="stylesheet" href="/vendor/graphiql/graphiql.min.css">
  <link rel="stylesheet" href="/console/explorer.css">
</head>
<body>
  <header id="token-bar">
    <a href="/">Itinera console</a>
    <form id="token-form">
      <label>API token <input id="token" type="password" autocomplete="off" placeholder="itn_admin_..."></label>
      <button type="submit">Use token</button>
    </form>
  </header>
  <div id="graphiql">Loading…</div>
  <script src="/vendor/react/react.production.min.js"></script>
  <script src="/vendor/react-dom/react-dom.production.min.js"></script>
  <script src="/vendor/graphiql/graphiql.min.js"></script>
  <script src="/console/explorer.js"></script>
</body>
</html>
`;
