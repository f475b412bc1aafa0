/** The journey semantics as pure functions: callers load state, call these, and persist the result. */
export type { TrackedEvent } from './tracked-event';
export type { EngineFacts } from './engine-facts';
export type { InstanceState, InstanceStatus, JourneyContext, CapturedEvent } from './instance-state';
export type {
  ActivityDraft,
  ActivityType,
  DeliveryRequest,
  EngineResult,
  TimerFiring,
  TimerKind,
  TimerRequest,
} from './engine-result';
export { ACTIVITY_TYPES } from './engine-result';
export { readPath, matchesFilter, matchesFilters, matchesEvent, eventFilterSubject, asNumber, valuesEqual } from './property-filter';
export { evaluateCondition, performedHolds, performedClauseKey, performedClausesOf } from './condition';
export { nextPerformedChangeAt, performedCountAt, type PerformedEventTimes } from './performed-timing';
export { uniqueIdOf, eventConcernsInstance } from './unique-identifier';
export type { EntryDecision, EntryHistory, EntryRefusal } from './entry-decision';
export { decideEntry, triggers } from './entry-decision';
export { admitEntry, type EntryAdmission, type UserEntryFacts } from './admit-entry';
export { wakeAt } from './wake-at';
export { eventsReadBy, referencesOf, type EventsRead, type JourneyReferences } from './references';
export { AUDIENCE_ENTERED, AUDIENCE_EXITED, membershipEvent, type MembershipChange } from './audience-events';
export type { JourneyIdentity } from './start-instance';
export { startInstance } from './start-instance';
export { applyEvent } from './apply-event';
export { applyTimer } from './apply-timer';
export { refreshConditions } from './refresh-conditions';
export { endInstance } from './end-instance';
export { MAX_STEP_ENTRIES_PER_CALL } from './advance-instance';
export type * from './definition';
export { QUIET_HOURS_REASON } from './time-settings';
export { FILTER_OPERATORS, STEP_KEY_PATTERN } from './definition';
export { STEP_MODULES, STEP_TYPES, stepModuleOf } from './steps/registry';
export type { StepModule, StepOutcome, DestinationSummary, DestinationActionFields } from './steps/step-module';
export { validateDraftDefinition, countedSteps, type DraftValidationContext } from './draft-validation';
export type { Problem } from './problem';
export { JourneySimulation, simulationProblems, simulatedInstanceId, type SimulatedRecord, type SimulatedSend, type SimulatedTrack, type SimulationOptions } from './simulation';
export { readScript, runScript, decisionsOf, type Decision, type ScriptEntryShape, type ScriptStep } from './simulation-script';
