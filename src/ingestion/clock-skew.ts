import { inStorableRange, readIsoTimestamp } from './iso-timestamp';

/**
 * A device's clock can be off by hours. As the reference API does: when the client says when it sent
 * the message (`sentAt`, on the same clock as `timestamp`), the event happened `sentAt - timestamp`
 * before the server received it, so `timestamp = receivedAt - (sentAt - originalTimestamp)`.
 * Without `sentAt` the timestamp is kept as sent; without a timestamp it is `receivedAt`.
 */
export function correctClockSkew({ timestamp, sentAt, receivedAt }: { timestamp?: string; sentAt?: string; receivedAt: string }):
  | { timestamp: string; originalTimestamp: string | null }
  | { problem: string } {
  const original = timestamp === undefined ? null : readIsoTimestamp(timestamp, 'timestamp');
  if (original && 'problem' in original) return original;
  if (!original) return { timestamp: receivedAt, originalTimestamp: null };
  if (sentAt === undefined) return { timestamp: original.iso, originalTimestamp: original.iso };
  const sent = readIsoTimestamp(sentAt, 'sentAt');
  if ('problem' in sent) return sent;
  const corrected = inStorableRange(Date.parse(receivedAt) - (sent.millis - original.millis), 'sentAt');
  if ('problem' in corrected) return { problem: 'sentAt is so far from timestamp that the corrected timestamp would fall outside the years 1 to 9999' };
  return { timestamp: corrected.iso, originalTimestamp: original.iso };
}
