/** What replaces a credential-looking part of a URL when it is shown. */
export const REDACTED = '***';

/**
 * A webhook URL as the API shows it: user info, query values and path segments that look like tokens
 * (`/services/T0A1B2C3D/B0123456/xoxb…`) replaced by `***`, the fragment dropped. The scheme, host, port and
 * plain path words stay, so people can still tell destinations apart.
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return REDACTED;
  const parsed = new URL(url);
  const original = parsed.href;
  if (parsed.username || parsed.password) {
    parsed.username = REDACTED;
    parsed.password = '';
  }
  for (const [name, value] of [...parsed.searchParams]) if (value) parsed.searchParams.set(name, REDACTED);
  parsed.pathname = parsed.pathname
    .split('/')
    .map((segment) => (looksLikeToken(decodeSegment(segment)) ? REDACTED : segment))
    .join('/');
  parsed.hash = '';
  // Shown as given when nothing needed hiding (no normalisation such as an added trailing slash).
  return parsed.href === original ? url : parsed.href;
}

/** Random-looking: long, or mixing letters and digits (ids, keys, signatures). Plain words stay readable. */
function looksLikeToken(segment: string): boolean {
  if (segment.length >= 20) return true;
  return segment.length >= 8 && /\d/.test(segment) && /[a-z]/i.test(segment);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
