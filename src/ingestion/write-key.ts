import { bearerToken } from '../workspaces/workspace-tokens';

/** The write key as the tracking API reads it: HTTP Basic user name, Bearer token, or a `writeKey` body field (browser libraries). */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  if (authorization) {
    const basic = /^Basic\s+(\S+)$/i.exec(authorization);
    if (basic) return Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] || undefined;
    const bearer = bearerToken(authorization);
    if (bearer) return bearer;
  }
  const field = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof field === 'string' && field.length > 0 ? field : undefined;
}
