import type { JourneyDefinition } from './definition';
import type { InstanceState } from './instance-state';
import { canonicalJson, eventFilterSubject, readPath } from './property-filter';
import type { TrackedEvent } from './tracked-event';

/**
 * The event's value at the journey's unique-identifier path, as text (`1234` and `"1234"` are the
 * same application), or null when it carries none. An empty string identifies nothing, so it counts as none.
 */
export function uniqueIdOf(path: string, event: TrackedEvent): string | null {
  const value = readPath(eventFilterSubject(event), path);
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return canonicalJson(value);
}

/**
 * With a unique identifier, an event that carries a different value belongs to a parallel instance
 * (another application, another cart) and must not exit, convert or advance this one. An event that
 * carries no value concerns every instance of the user.
 */
export function eventConcernsInstance(definition: JourneyDefinition, state: InstanceState, event: TrackedEvent): boolean {
  const path = definition.entry.uniqueIdentifier;
  if (!path || state.uniqueId === null) return true;
  const value = uniqueIdOf(path, event);
  return value === null || value === state.uniqueId;
}
