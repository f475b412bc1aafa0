import type { DestinationSummary } from './journey-validation';

/**
 * The workspace's destinations as journey validation needs them: plugin, actions and their fields, by
 * destination id. Bound by the destinations module.
 */
export abstract class DestinationCatalog {
  abstract forValidation(workspaceId: string): Promise<Map<string, DestinationSummary>>;
}

/** The workspace's audience ids. Bound by the audiences module. */
export abstract class AudienceCatalog {
  abstract audienceIds(workspaceId: string): Promise<Set<string>>;
}
