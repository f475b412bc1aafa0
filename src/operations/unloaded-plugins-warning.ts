import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PluginRegistry } from '../destinations/plugin-registry';

interface SendThroughPlugin {
  workspace_id: string;
  journey_id: string;
  journey_name: string;
  plugin: string;
}

/**
 * Warns at start about published journeys that send through a plugin this process did not load (a
 * `start:prod` without the plugin's folder): their sends wait, retrying, until a process that has it
 * picks them up, and fail for good when the retries run out.
 */
@Injectable()
export class UnloadedPluginsWarning implements OnApplicationBootstrap {
  private readonly logger = new Logger('plugins');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly plugins: PluginRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Sends are scheduled and attempted by processes that run workers.
    if (this.config.role === 'api') return;
    const sends: SendThroughPlugin[] = await this.dataSource.query(
      `SELECT DISTINCT j.workspace_id, j.id AS journey_id, j.name AS journey_name, d.plugin
       FROM journeys j
       JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.version
       CROSS JOIN LATERAL jsonb_path_query(v.definition, '$.steps[*].send.destinationId') AS step(destination_id)
       JOIN destinations d ON d.workspace_id = j.workspace_id AND d.id::text = step.destination_id #>> '{}'
       WHERE j.status IN ('PUBLISHED', 'PAUSED')
       ORDER BY j.workspace_id, j.id, d.plugin`,
    );
    for (const send of sends.filter((row) => !this.plugins.get(row.plugin))) {
      this.logger.warn({
        msg: `published journey "${send.journey_name}" sends through plugin "${send.plugin}", which is not loaded in this process: its sends will retry until a process that loads it takes them (check ITINERA_PLUGIN_PATHS)`,
        workspaceId: send.workspace_id,
        journeyId: send.journey_id,
        plugin: send.plugin,
      });
    }
  }
}
