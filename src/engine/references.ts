import type { JourneyDefinition } from './definition';
import { stepModuleOf } from './steps/registry';

/** What a journey depends on outside itself, as its step types read their configuration. */
export interface JourneyReferences {
  /** Destinations its steps send to. */
  destinationIds: string[];
  /** Events that can move it: its trigger, exits, goal, and what its steps wait for or count. */
  events: string[];
}

export function referencesOf(definition: JourneyDefinition): JourneyReferences {
  const destinationIds = new Set<string>();
  const events = new Set<string>();
  if (definition.trigger.event) events.add(definition.trigger.event.event);
  for (const match of definition.exit) events.add(match.event);
  if (definition.goal) events.add(definition.goal.match.event);
  for (const step of definition.steps) {
    const module = stepModuleOf(step.type);
    for (const id of module?.destinations?.(step) ?? []) destinationIds.add(id);
    for (const event of module?.events?.(step) ?? []) events.add(event);
  }
  return { destinationIds: [...destinationIds], events: [...events] };
}

/** The event names a set of journeys can react to; `every` when one of their steps reacts to events it does not name. */
export interface EventsRead {
  every: boolean;
  names: Set<string>;
}

/**
 * What ingestion needs to know to give no runtime job to an event nothing reads: the union of
 * `referencesOf(...).events` over the definitions. A step type that handles events (`onEvent`) without
 * naming them (`events`) reads every event.
 */
export function eventsReadBy(definitions: JourneyDefinition[]): EventsRead {
  const names = new Set<string>();
  let every = false;
  for (const definition of definitions) {
    for (const event of referencesOf(definition).events) names.add(event);
    every ||= definition.steps.some((step) => {
      const module = stepModuleOf(step.type);
      return !module || (module.onEvent !== undefined && module.events === undefined);
    });
  }
  return { every, names };
}
