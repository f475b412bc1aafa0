import { text } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { inexactNumbers } from './exact-numbers';
import { MAX_REQUEST_BYTES } from './message-validation';

// Any content type, as tracking libraries vary: the browser library sends `text/plain` (a CORS-safelisted
// type) and others send `application/json`. Read as text so numbers can be checked against their source.
const readText = text({ limit: MAX_REQUEST_BYTES, type: () => true, defaultCharset: 'utf-8' });

type ParserError = { type?: string; status?: number; message?: string };

/**
 * Parses ingestion bodies as JSON and answers failures in the ingestion API's own error format:
 * 413 over 500 KB, 400 for malformed JSON and for numbers that would not be stored as sent.
 */
export function ingestionBodyParser(req: Request, res: Response, next: NextFunction): void {
  readText(req, res, (error?: ParserError) => {
    if (error) return refuseUnreadable(res, error);
    if (typeof req.body !== 'string') return next(); // no body (GET, OPTIONS)
    const body = req.body;
    if (body.trim() === '') {
      req.body = {};
      return next();
    }
    if (!/^\s*[[{]/.test(body)) return refuse(res, 400, [{ path: '', message: 'malformed JSON body: it must be a JSON object' }]);
    try {
      req.body = JSON.parse(body);
    } catch (parseError) {
      return refuse(res, 400, [{ path: '', message: `malformed JSON body: ${(parseError as Error).message}` }]);
    }
    const inexact = inexactNumbers(body);
    if (inexact.length) {
      return refuse(res, 400, inexact.map(({ path, message }) => locate(path, message)));
    }
    next();
  });
}

/** Paths inside a batch are reported like other batch problems: the message's index, then the path in it. */
function locate(path: (string | number)[], message: string) {
  if (path[0] === 'batch' && typeof path[1] === 'number') return { index: path[1], path: path.slice(2).join('.'), message };
  return { path: path.join('.'), message };
}

function refuseUnreadable(res: Response, error: ParserError) {
  if (error.type === 'entity.too.large') {
    return refuse(res, 413, [{ path: '', message: `request body is larger than ${MAX_REQUEST_BYTES / 1024} KB` }]);
  }
  refuse(res, error.status && error.status < 500 ? error.status : 400, [{ path: '', message: `unreadable body: ${error.message ?? 'cannot be read'}` }]);
}

function refuse(res: Response, status: number, errors: { index?: number; path: string; message: string }[]) {
  res.status(status).json({ errors });
}
