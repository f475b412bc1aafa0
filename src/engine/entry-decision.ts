import type { JourneyDefinition } from './definition';
import { AUDIENCE_ENTERED } from './audience-events';
import { requireDurationMs } from './duration';
import { matchesEvent } from './property-filter';
import type { TrackedEvent } from './tracked-event';
import { uniqueIdOf } from './unique-identifier';

/** What the caller knows about this user and this journey (all versions) before the event. */
export interface EntryHistory {
  /** The `uniqueId` of each of the user's ACTIVE instances of the journey. */
  activeUniqueIds: (string | null)[];
  /** Whether the user ever entered the journey, in any version. */
  everEntered: boolean;
  /** When the user last entered the journey (any version), if the journey has a cool-down; else null. */
  lastEnteredAt?: string | null;
  /** Now, for the cool-down. */
  now?: string;
}

export type EntryRefusal = 'not_triggered' | 'already_entered_once' | 'missing_unique_identifier' | 'already_active' | 'cooling_down';

export type EntryDecision = { enter: true; uniqueId: string | null } | { enter: false; reason: EntryRefusal };

/** Whether the event is the journey's trigger: its event match, or (AUDIENCE) entering its audience. */
export function triggers(definition: JourneyDefinition, event: TrackedEvent): boolean {
  const trigger = definition.trigger;
  if (trigger.type === 'AUDIENCE') return event.event === AUDIENCE_ENTERED && event.properties.audience_id === trigger.audienceId;
  return !!trigger.event && matchesEvent(trigger.event, event);
}

/**
 * Whether an event starts an instance: it triggers the journey and the entry rules admit the user.
 * The audience filter and the journey's status are the caller's to check.
 */
export function decideEntry(definition: JourneyDefinition, event: TrackedEvent, history: EntryHistory): EntryDecision {
  if (!triggers(definition, event)) return { enter: false, reason: 'not_triggered' };
  const path = definition.entry.uniqueIdentifier;
  const uniqueId = path ? uniqueIdOf(path, event) : null;

  if (definition.entry.mode === 'ONCE') {
    // The identifier, if any, is kept only to scope exits and holds; it does not allow a second entry.
    return history.everEntered ? { enter: false, reason: 'already_entered_once' } : { enter: true, uniqueId };
  }
  const cooldown = definition.entry.cooldown;
  if (cooldown && history.lastEnteredAt && history.now && Date.parse(history.now) < Date.parse(history.lastEnteredAt) + requireDurationMs(cooldown)) {
    return { enter: false, reason: 'cooling_down' };
  }
  if (path) {
    if (uniqueId === null) return { enter: false, reason: 'missing_unique_identifier' };
    return history.activeUniqueIds.includes(uniqueId) ? { enter: false, reason: 'already_active' } : { enter: true, uniqueId };
  }
  return history.activeUniqueIds.length > 0 ? { enter: false, reason: 'already_active' } : { enter: true, uniqueId: null };
}
