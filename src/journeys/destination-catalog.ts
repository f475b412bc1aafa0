import type { JourneyLimits } from './journey-limits';
import { checkMappingPaths } from '@itinera/plugin-kit';
import type { DestinationSummary, ValidationContext } from './journey-validation';

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

/** What validating a journey of the workspace needs: its destinations and audiences, read now. */
export async function loadValidationContext(
  limits: JourneyLimits,
  destinationCatalog: DestinationCatalog,
  audienceCatalog: AudienceCatalog,
  workspaceId: string,
): Promise<ValidationContext> {
  const [destinations, audienceIds] = await Promise.all([destinationCatalog.forValidation(workspaceId), audienceCatalog.audienceIds(workspaceId)]);
  return { limits, destinations, audienceIds, checkMappingPaths };
}
