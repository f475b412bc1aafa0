import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { isUuid } from '../common/cursor';
import { badUserInput, notFound, type Problem } from '../common/errors';
import { applySettingDefaults, redactSettings, secretValues, validateSettings, type DestinationDefinition } from '@itinera/plugin-kit';
import { DestinationAddressPolicy, PERFORM_DEADLINE_MS, runAuthenticationTest, type AuthenticationOutcome } from '@itinera/plugin-kit/host';
import { destinationAddressProblems } from './destination-address-check';
import { Destination } from './destination.entity';
import { pluginLogger } from './plugin-logger';
import { PluginRegistry } from './plugin-registry';
import { isSealed, SettingsCipher, SettingsUnreadableError } from './settings-cipher';
import { rateLimitProblems, type RateLimit } from './rate-limit';
import { redactUrl } from './url-redaction';

/** What createDestination and updateDestination take. */
export interface DestinationInput {
  name: string;
  plugin: string;
  settings: unknown;
  enabled?: boolean | null;
  /** Left out or null: no limit. */
  rateLimit?: RateLimit | null;
}

const MAX_NAME_LENGTH = 100;

/**
 * Destinations of a workspace: validated against their plugin's settings schema, stored with defaults
 * applied and secrets sealed. Secret settings leave this service only through `settingsForPerform`.
 */
@Injectable()
export class DestinationService {
  constructor(
    @InjectRepository(Destination) private readonly destinations: Repository<Destination>,
    private readonly plugins: PluginRegistry,
    private readonly cipher: SettingsCipher,
    private readonly addressPolicy: DestinationAddressPolicy,
  ) {}

  /** Oldest first. */
  list(workspaceId: string): Promise<Destination[]> {
    return this.destinations.find({ where: { workspaceId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Null for an unknown id or one of another workspace. Reads through `manager` inside a transaction. */
  async find(workspaceId: string, id: string, manager?: EntityManager): Promise<Destination | null> {
    if (!isUuid(id)) return null;
    const repository = manager ? manager.getRepository(Destination) : this.destinations;
    return repository.findOne({ where: { id, workspaceId } });
  }

  /**
   * With `testAuthentication`, the plugin's `testAuthentication` runs with the given settings first, and a
   * destination whose credentials are refused (or whose plugin cannot test them) is not created.
   */
  async create(workspaceId: string, input: DestinationInput, { testAuthentication = false } = {}): Promise<Destination> {
    const plugin = this.plugins.get(input.plugin);
    const problems = [
      ...nameProblems(input.name),
      ...(plugin ? settingsProblems(plugin, input.settings) : [unknownPlugin(input.plugin, this.plugins)]),
      ...rateLimitProblems(input.rateLimit),
    ];
    if (plugin) problems.push(...(await this.addressProblems(plugin, input.settings)));
    if (problems.length > 0 || !plugin) throw badUserInput(problems);
    if (testAuthentication) {
      const outcome = await this.authenticate(plugin, applySettingDefaults(plugin.settings, input.settings as Record<string, unknown>), {});
      if (!outcome.ok) {
        const message = outcome.tested ? `authentication failed: ${outcome.error}` : `plugin "${plugin.name}" has no authentication test; create the destination without testAuthentication`;
        throw badUserInput([{ path: 'settings', message }]);
      }
    }

    const id = randomUUID();
    const destination = this.destinations.create({
      id,
      workspaceId,
      name: input.name.trim(),
      plugin: plugin.name,
      settings: this.settingsToStore(plugin, input.settings as Record<string, unknown>, id),
      enabled: input.enabled ?? true,
      rateLimit: input.rateLimit ? { max: input.rateLimit.max, per: input.rateLimit.per } : null,
    });
    await this.destinations.save(destination);
    return (await this.find(workspaceId, id)) as Destination;
  }

  /**
   * Replaces name, settings and enabled. A secret setting the input leaves out keeps its stored value
   * (the API never shows secrets, so a client cannot send them back); `null` removes it. When an address
   * (a URL setting) changes, stored secrets are not kept: they must be given again, or the new address
   * would receive credentials meant for the old one. A URL given back in its redacted shown form is unchanged.
   */
  async update(workspaceId: string, id: string, input: DestinationInput): Promise<Destination> {
    const destination = await this.find(workspaceId, id);
    if (!destination) throw notFound('destination', id);
    const plugin = this.plugins.get(destination.plugin);
    if (!plugin) {
      throw badUserInput([{ path: 'plugin', message: `plugin "${destination.plugin}" is not loaded in this process, so its settings cannot be checked` }]);
    }

    const problems = [...nameProblems(input.name), ...rateLimitProblems(input.rateLimit)];
    if (input.plugin !== destination.plugin) {
      // Journeys' send steps name this plugin's actions; another plugin would break them silently.
      // The settings are meant for that other plugin: checking them against this one would only add noise.
      problems.push({ path: 'plugin', message: `a destination's plugin cannot change (it is "${destination.plugin}"); create a new destination instead` });
      throw badUserInput(problems);
    }
    const given = this.withUnchangedUrls(plugin, destination, input.settings);
    const { settings, problems: keptSecretProblems } = this.withKeptSecrets(plugin, destination, given, this.changedUrls(plugin, destination, given));
    problems.push(...keptSecretProblems, ...settingsProblems(plugin, settings), ...(await this.addressProblems(plugin, settings)));
    if (problems.length > 0) throw badUserInput(problems);

    destination.name = input.name.trim();
    destination.settings = this.settingsToStore(plugin, settings as Record<string, unknown>, destination.id);
    destination.enabled = input.enabled ?? true;
    destination.rateLimit = input.rateLimit ? { max: input.rateLimit.max, per: input.rateLimit.per } : null;
    await this.destinations.save(destination);
    return (await this.find(workspaceId, id)) as Destination;
  }

  /** Runs the plugin's `testAuthentication` with the stored settings of destination `id`. */
  async testAuthentication(workspaceId: string, id: string): Promise<AuthenticationOutcome> {
    const destination = await this.find(workspaceId, id);
    if (!destination) throw notFound('destination', id);
    const plugin = this.plugins.get(destination.plugin);
    if (!plugin) return { tested: false, ok: false, error: `plugin "${destination.plugin}" is not loaded in this process (check ITINERA_PLUGIN_PATHS and the start-up log)` };
    let settings: Record<string, unknown>;
    try {
      settings = this.settingsForPerform(destination, plugin);
    } catch (error) {
      if (error instanceof SettingsUnreadableError) return { tested: false, ok: false, error: error.message };
      throw error;
    }
    return this.authenticate(plugin, settings, { destinationId: destination.id });
  }

  private authenticate(plugin: DestinationDefinition, settings: Record<string, unknown>, tags: Record<string, unknown>): Promise<AuthenticationOutcome> {
    const context = { secrets: secretValues(plugin.settings, settings), logger: pluginLogger(plugin.name, { ...tags, authenticationTest: true }) };
    return runAuthenticationTest(plugin.authentication, settings, context, { deadlineMs: PERFORM_DEADLINE_MS });
  }

  /** The URL settings the outbound address policy refuses (loopback, private, metadata...), as input problems. */
  addressProblems(plugin: DestinationDefinition, settings: unknown): Promise<Problem[]> {
    return destinationAddressProblems(this.addressPolicy, plugin.settings, settings);
  }

  /** The settings safe to show: the plugin's non-secret settings only, URLs with their credentials redacted. */
  shownSettings(destination: Destination): Record<string, unknown> {
    const plugin = this.plugins.get(destination.plugin);
    if (!plugin) return {};
    const shown = redactSettings(plugin.settings, destination.settings);
    for (const name of urlSettings(plugin)) if (typeof shown[name] === 'string') shown[name] = redactUrl(shown[name] as string);
    return shown;
  }

  /**
   * The settings `perform` gets: secrets opened, defaults applied (again, so defaults added by a newer
   * plugin version apply to destinations saved before). Throws `SettingsUnreadableError` when a secret
   * was sealed with another key.
   */
  settingsForPerform(destination: Destination, plugin: DestinationDefinition): Record<string, unknown> {
    return applySettingDefaults(plugin.settings, this.cipher.open(destination.settings, destination.id));
  }

  private settingsToStore(plugin: DestinationDefinition, settings: Record<string, unknown>, id: string): Record<string, unknown> {
    const present = Object.fromEntries(Object.entries(applySettingDefaults(plugin.settings, settings)).filter(([, value]) => value != null));
    return this.cipher.seal(plugin.settings, present, id);
  }

  /** A URL setting given back exactly as `shownSettings` redacted it means "keep the stored URL". */
  private withUnchangedUrls(plugin: DestinationDefinition, destination: Destination, given: unknown): unknown {
    if (!isRecord(given)) return given;
    const settings: Record<string, unknown> = { ...given };
    for (const name of urlSettings(plugin)) {
      const stored = destination.settings[name];
      if (typeof stored === 'string' && settings[name] !== stored && settings[name] === redactUrl(stored)) settings[name] = stored;
    }
    return settings;
  }

  private changedUrls(plugin: DestinationDefinition, destination: Destination, given: unknown): string[] {
    if (!isRecord(given)) return [];
    return urlSettings(plugin).filter((name) => !isSealed(destination.settings[name]) && given[name] !== destination.settings[name]);
  }

  private withKeptSecrets(
    plugin: DestinationDefinition,
    destination: Destination,
    given: unknown,
    changedUrls: string[],
  ): { settings: unknown; problems: Problem[] } {
    if (!isRecord(given)) return { settings: given, problems: [] };
    const settings: Record<string, unknown> = { ...given };
    const problems: Problem[] = [];
    for (const [name, field] of Object.entries(plugin.settings)) {
      if (!field.secret || given[name] !== undefined || destination.settings[name] === undefined) continue;
      if (changedUrls.length > 0) {
        const changed = changedUrls.map((url) => `settings.${url}`).join(', ');
        problems.push({ path: `settings.${name}`, message: `${changed} changed, so this secret setting is not kept: give it again, or null to remove it` });
        continue;
      }
      try {
        settings[name] = this.cipher.open({ [name]: destination.settings[name] }, destination.id)[name];
      } catch (error) {
        if (!(error instanceof SettingsUnreadableError)) throw error;
        problems.push({ path: `settings.${name}`, message: 'was saved with another ITINERA_SECRET_KEY and cannot be kept; give it again' });
      }
    }
    return { settings, problems };
  }
}

/** The settings that name where requests go: every `format: 'uri'` setting of the plugin. */
function urlSettings(plugin: DestinationDefinition): string[] {
  return Object.entries(plugin.settings)
    .filter(([, field]) => field.format === 'uri')
    .map(([name]) => name);
}

function nameProblems(name: string): Problem[] {
  const length = name.trim().length;
  if (length === 0) return [{ path: 'name', message: 'is required' }];
  if (length > MAX_NAME_LENGTH) return [{ path: 'name', message: `must be at most ${MAX_NAME_LENGTH} characters, got ${length}` }];
  return [];
}

function settingsProblems(plugin: DestinationDefinition, settings: unknown): Problem[] {
  const problems = validateSettings(plugin.settings, settings);
  if (isRecord(settings)) {
    for (const [name, value] of Object.entries(settings)) {
      // The stored form of a secret: accepted as input, it would be read back as a sealed value.
      if (isSealed(value)) problems.push({ path: `settings.${name}`, message: 'must not be an object whose only key is "@encrypted"' });
    }
  }
  return problems;
}

function unknownPlugin(name: string, plugins: PluginRegistry): Problem {
  const known = plugins.list().map((plugin) => `"${plugin.name}"`).join(', ') || 'none';
  return { path: 'plugin', message: `unknown plugin "${name}" (loaded plugins: ${known})` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
