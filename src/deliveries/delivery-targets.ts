import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Destination } from '../destinations/destination.entity';
import { DestinationService } from '../destinations/destination.service';
import { PluginRegistry } from '../destinations/plugin-registry';
import type { ActionDefinition, DestinationDefinition } from '@itinera/plugin-kit';

/** Where a send goes: the destination, its plugin and the action, or why it cannot go there. */
export type DeliveryTarget =
  | { found: true; destination: Destination; plugin: DestinationDefinition; action: ActionDefinition }
  | { found: false; problem: string; on: 'destinationId' | 'action'; reason: 'unknown-destination' | 'disabled' | 'plugin-not-loaded' | 'unknown-action' };

/** Resolves a send's destination id and action name within one workspace: nothing crosses workspaces. */
@Injectable()
export class DeliveryTargets {
  constructor(
    private readonly destinations: DestinationService,
    private readonly plugins: PluginRegistry,
  ) {}

  /**
   * `resolve` for a batch of sends: each (workspace, destination, action) is looked up once, however
   * many sends of the batch go there.
   */
  resolverForBatch(options: { manager?: EntityManager } = {}): (workspaceId: string, destinationId: string, actionName: string) => Promise<DeliveryTarget> {
    const resolved = new Map<string, Promise<DeliveryTarget>>();
    return (workspaceId, destinationId, actionName) => {
      const key = `${workspaceId}:${destinationId}:${actionName}`;
      if (!resolved.has(key)) resolved.set(key, this.resolve(workspaceId, destinationId, actionName, options));
      return resolved.get(key)!;
    };
  }

  async resolve(
    workspaceId: string,
    destinationId: string,
    actionName: string,
    { manager, allowDisabled = false }: { manager?: EntityManager; allowDisabled?: boolean } = {},
  ): Promise<DeliveryTarget> {
    const destination = await this.destinations.find(workspaceId, destinationId, manager);
    if (!destination) {
      return { found: false, on: 'destinationId', reason: 'unknown-destination', problem: `destination ${JSON.stringify(destinationId)} does not exist in this workspace` };
    }
    if (!destination.enabled && !allowDisabled) {
      return { found: false, on: 'destinationId', reason: 'disabled', problem: `destination "${destination.name}" is disabled; enable it with updateDestination` };
    }
    const plugin = this.plugins.get(destination.plugin);
    if (!plugin) {
      return {
        found: false,
        on: 'destinationId',
        reason: 'plugin-not-loaded',
        problem: `plugin "${destination.plugin}" of destination "${destination.name}" is not loaded in this process (check ITINERA_PLUGIN_PATHS and the start-up log)`,
      };
    }
    const action = this.plugins.action(plugin.name, actionName);
    if (!action) {
      const known = Object.keys(plugin.actions).map((name) => `"${name}"`).join(', ');
      return { found: false, on: 'action', reason: 'unknown-action', problem: `plugin "${plugin.name}" has no action "${actionName}" (its actions: ${known})` };
    }
    return { found: true, destination, plugin, action };
  }
}
