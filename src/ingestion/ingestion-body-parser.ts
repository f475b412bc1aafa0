import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { MAX_REQUEST_BYTES } from './message-validation';

const parseJson = json({ limit: MAX_REQUEST_BYTES, type: () => true, strict: true });

/**
 * Parses ingestion bodies (any content type, as tracking libraries vary) and answers parse failures
 * in the ingestion API's own error format: 413 over 500 KB, 400 for malformed JSON.
 */
export function ingestionBodyParser(req: Request, res: Response, next: NextFunction): void {
  parseJson(req, res, (error?: { type?: string; status?: number; message?: string }) => {
    if (!error) return next();
    if (error.type === 'entity.too.large') {
      res.status(413).json({ errors: [{ path: '', message: `request body is larger than ${MAX_REQUEST_BYTES / 1024} KB` }] });
    } else {
      res.status(error.status && error.status < 500 ? error.status : 400).json({
        errors: [{ path: '', message: `malformed JSON body: ${error.message ?? 'cannot be parsed'}` }],
      });
    }
  });
}
