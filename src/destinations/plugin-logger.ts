import { Logger } from '@nestjs/common';
import type { PluginLogger } from '@itinera/plugin-kit';

/** A plugin's logger: Itinera's structured log, under `plugin:<name>`, each record tagged with `tags` (delivery id...). */
export function pluginLogger(pluginName: string, tags: Record<string, unknown>): PluginLogger {
  const logger = new Logger(`plugin:${pluginName}`);
  return {
    info: (message, fields) => logger.log({ msg: message, ...fields, ...tags }),
    warn: (message, fields) => logger.warn({ msg: message, ...fields, ...tags }),
    error: (message, fields) => logger.error({ msg: message, ...fields, ...tags }),
  };
}
