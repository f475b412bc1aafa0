import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const newAdminToken = () => `itn_admin_${randomBytes(32).toString('base64url')}`;
export const newReadToken = () => `itn_read_${randomBytes(32).toString('base64url')}`;
export const newWriteKey = () => `itn_wk_${randomBytes(24).toString('base64url')}`;
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Compares secrets in constant time, so response timing tells nothing about the root token. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(hashToken(given));
  const b = Buffer.from(hashToken(expected));
  return timingSafeEqual(a, b);
}

/** Reads `Bearer <token>` (any case) from an Authorization header or graphql-ws connection parameter. */
export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
