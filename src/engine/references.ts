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
