import type { PerformedEventTimes } from './performed-timing';
import type { TimeSettings } from './time-settings';

/**
 * What the caller knows about the world when it calls the engine. Time comes in here (never from the
 * clock) so that one input always gives one output, in tests and on replay.
 */
export interface EngineFacts {
  /** ISO-8601 instant at which the call happens: activity times and timer due times derive from it. */
  now: string;
  /** The profile's current traits; copied into `context.traits` whenever a step runs. */
  traits: Record<string, unknown>;
  /**
   * When the user performed the events of every `performed` clause the journey uses, keyed by
   * `performedClauseKey` (list them with `performedClausesOf`): the engine counts those inside each
   * clause's window at `now`, and knows from them when a window will next change a count. A missing key is no event.
   */
  performedTimes: PerformedEventTimes;
  /** The workspace's default time zone and quiet hours; a journey's own settings override them. */
  workspaceTime?: TimeSettings;
}
