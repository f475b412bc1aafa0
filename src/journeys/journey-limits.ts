/** Limits on journeys, configurable per deployment (the config reader fills them from the environment). */
export interface JourneyLimits {
  /** Steps per journey, where a MULTI_BRANCH counts its branches. */
  maxCountedSteps: number;
  maxNameLength: number;
  maxStepNameLength: number;
  maxStepKeyLength: number;
  maxPublishedPerWorkspace: number;
}

/** The reference product's limits (seed 003, "Product limits"), so journeys built there fit here. */
export const DEFAULT_JOURNEY_LIMITS: Readonly<JourneyLimits> = Object.freeze({
  maxCountedSteps: 20,
  maxNameLength: 73,
  maxStepNameLength: 170,
  maxStepKeyLength: 255,
  maxPublishedPerWorkspace: 5,
});

/** Not a per-deployment limit: room for a paragraph, while journey lists stay light. */
export const MAX_DESCRIPTION_LENGTH = 1000;
