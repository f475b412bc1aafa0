import type { NextFunction, Request, Response } from 'express';

/**
 * The browser library joins `cdnURL` and `/v1/...` as strings, so a cdnURL written with a trailing slash
 * asks for `//v1/projects/<key>/settings` (and, given as apiHost, `//v1/t`), which Express would read as a
 * URL with host "v1". Collapsed to one slash before routing.
 */
export function collapseLeadingSlashes(req: Request, _res: Response, next: NextFunction): void {
  if (req.url.startsWith('//')) req.url = req.url.replace(/^\/{2,}/, '/');
  next();
}
