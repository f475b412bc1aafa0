import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DestinationCatalog } from '../journeys/destination-catalog';
import { DestinationAddressPolicy, installDestinationAddressPolicy } from '@itinera/plugin-kit/host';
import { Destination } from './destination.entity';
import { DestinationResolver } from './destination.resolver';
import { DestinationService } from './destination.service';
import { BUILT_IN_PLUGINS_DIR, PluginRegistry } from './plugin-registry';
import { SettingsCipher } from './settings-cipher';
import { SettingsKeyRotation } from './settings-key-rotation';
import { WorkspaceDestinationCatalog } from './workspace-destination-catalog';

function loadPlugins(config: AppConfig): PluginRegistry {
  const logger = new Logger('plugins');
  const registry = PluginRegistry.loadFrom([BUILT_IN_PLUGINS_DIR, ...config.pluginPaths], (problem) =>
    logger.error({ msg: 'plugin skipped', folder: problem.folder, reason: problem.reason }),
  );
  logger.log({ msg: 'plugins loaded', plugins: registry.list().map((plugin) => plugin.name), skipped: registry.problems.length });
  return registry;
}

function settingsCipher(config: AppConfig): SettingsCipher {
  if (!config.secretKey) {
    new Logger('destinations').warn({ msg: 'no secret key: destination secrets are encrypted with a key derived from the database URL, which anyone who knows it can recompute' });
  }
  return SettingsCipher.fromSecret(config.secretKey, config.databaseUrl, config.previousSecretKey ? [config.previousSecretKey] : []);
}

/** Every plugin's requests go through the plugin kit's HTTP client, which applies this process-wide policy. */
function destinationAddressPolicy(config: AppConfig): DestinationAddressPolicy {
  const policy = new DestinationAddressPolicy(config.destinationAddresses);
  installDestinationAddressPolicy(policy);
  new Logger('destinations').log({ msg: 'outbound address policy', mode: config.laptopMode ? 'laptop' : 'production', policy: policy.describe() });
  return policy;
}

/**
 * Destination plugins and the workspaces' destinations. Imported by the delivery pipeline (registry and
 * settings) and by the journeys module, whose DestinationCatalog port it binds.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Destination])],
  providers: [
    { provide: PluginRegistry, useFactory: loadPlugins, inject: [APP_CONFIG] },
    { provide: SettingsCipher, useFactory: settingsCipher, inject: [APP_CONFIG] },
    { provide: DestinationAddressPolicy, useFactory: destinationAddressPolicy, inject: [APP_CONFIG] },
    DestinationService,
    SettingsKeyRotation,
    DestinationResolver,
    { provide: DestinationCatalog, useClass: WorkspaceDestinationCatalog },
  ],
  exports: [PluginRegistry, DestinationService, DestinationCatalog, DestinationAddressPolicy],
})
export class DestinationsModule {}
