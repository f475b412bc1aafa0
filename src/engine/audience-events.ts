import type { TrackedEvent } from './tracked-event';

/**
 * Audience membership changes reach journeys as events in the user's stream: `Audience Entered`
 * admits into AUDIENCE-triggered journeys, and either can drive holds, exits and goals like any event.
 */
export const AUDIENCE_ENTERED = 'Audience Entered';
export const AUDIENCE_EXITED = 'Audience Exited';

export interface MembershipChange {
  audienceId: string;
  audienceName: string;
  entered: boolean;
  /** ISO instant the change was observed. */
  at: string;
}

export function membershipEvent(userId: string, change: MembershipChange): TrackedEvent {
  return {
    userId,
    event: change.entered ? AUDIENCE_ENTERED : AUDIENCE_EXITED,
    properties: { audience_id: change.audienceId, audience_name: change.audienceName },
    context: {},
    timestamp: change.at,
    receivedAt: change.at,
    messageId: `audience:${change.audienceId}:${change.entered ? 'entered' : 'exited'}:${change.at}`,
  };
}
