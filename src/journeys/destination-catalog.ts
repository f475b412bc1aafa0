import type { DestinationSummary } from './journey-validation';

/**
 * The workspace's destinations as journey validation needs them: plugin, actions and their fields, by
 * destination id. Provided by the destinations module; without one, send steps' destinations go unchecked.
 */
export abstract class DestinationCatalog {
  abstract forValidation(workspaceId: string): Promise<Map<string, DestinationSummary>>;
}

/** The workspace's audience ids; without a provider, audience references go unchecked. */
export abstract class AudienceCatalog {
  abstract audienceIds(workspaceId: string): Promise<Set<string>>;
}
