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
   * Event counts for every `performed` clause the journey uses, keyed by `performedClauseKey`
   * (list them with `performedClausesOf`). A missing key counts as zero.
   */
  performedCounts: Record<string, number>;
}
