/** A track call as the engine sees it: already accepted, deduplicated and stamped with `receivedAt`. */
export interface TrackedEvent {
  userId: string;
  event: string;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  /** As sent by the source; may be skewed or late, so the engine never orders by it. */
  timestamp: string;
  receivedAt: string;
  messageId: string;
}
