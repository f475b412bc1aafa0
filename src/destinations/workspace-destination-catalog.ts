import { Injectable } from '@nestjs/common';
import { DestinationCatalog } from '../journeys/destination-catalog';
import type { DestinationActionFields, DestinationSummary } from '../journeys/journey-validation';
import { DestinationService } from './destination.service';
import { PluginRegistry } from './plugin-registry';

/**
 * The workspace's destinations for publish-time validation. Disabled destinations are listed: enabling
 * one is a runtime switch, not a reason to refuse a journey. A destination whose plugin is not loaded
 * is listed with no actions, so validation says which plugin is missing instead of "unknown destination".
 */
@Injectable()
export class WorkspaceDestinationCatalog extends DestinationCatalog {
  constructor(
    private readonly destinations: DestinationService,
    private readonly plugins: PluginRegistry,
  ) {
    super();
  }

  async forValidation(workspaceId: string): Promise<Map<string, DestinationSummary>> {
    const summaries = new Map<string, DestinationSummary>();
    for (const destination of await this.destinations.list(workspaceId)) {
      const plugin = this.plugins.get(destination.plugin);
      const actions = new Map<string, DestinationActionFields>(
        Object.entries(plugin?.actions ?? {}).map(([name, action]) => [name, { fields: action.fields }]),
      );
      summaries.set(destination.id, { plugin: destination.plugin, actions });
    }
    return summaries;
  }
}
