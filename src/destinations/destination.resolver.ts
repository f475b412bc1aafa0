import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { choiceValues, type DestinationDefinition, type SettingField } from '@itinera/plugin-kit';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { Destination } from './destination.entity';
import { DestinationInputType, DestinationPluginType, DestinationTestResultType, DestinationType } from './destination.graphql-types';
import { DestinationService } from './destination.service';
import { PluginRegistry } from './plugin-registry';

/** What a setting declaration may say; copied key by key so nothing but plain data reaches the API. */
const SETTING_KEYS: (keyof SettingField)[] = ['type', 'label', 'required', 'secret', 'description', 'default', 'choices', 'enum', 'multiple', 'properties', 'format', 'minimum', 'maximum'];

@Resolver(() => DestinationType)
export class DestinationResolver {
  constructor(
    private readonly destinationService: DestinationService,
    private readonly plugins: PluginRegistry,
  ) {}

  @Query(() => [DestinationPluginType], { description: 'The plugins this server loaded, by name.' })
  destinationPlugins(@CurrentWorkspace() _workspace: Workspace): DestinationPluginType[] {
    return this.plugins.list().map(toPluginType);
  }

  @Query(() => [DestinationType], { description: "The workspace's destinations, oldest first." })
  async destinations(@CurrentWorkspace() workspace: Workspace): Promise<DestinationType[]> {
    return (await this.destinationService.list(workspace.id)).map((destination) => this.toDestinationType(destination));
  }

  @Mutation(() => DestinationType)
  async createDestination(
    @CurrentWorkspace() workspace: Workspace,
    @Args('input') input: DestinationInputType,
    @Args('testAuthentication', {
      type: () => Boolean,
      nullable: true,
      defaultValue: false,
      description: "Test the credentials first (the plugin's testAuthentication); refused credentials create nothing.",
    })
    testAuthentication: boolean,
  ): Promise<DestinationType> {
    return this.toDestinationType(await this.destinationService.create(workspace.id, input, { testAuthentication }));
  }

  @Mutation(() => DestinationTestResultType, { description: "Tests a destination's stored credentials with its plugin's testAuthentication; a refusal is reported, not thrown." })
  testDestination(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<DestinationTestResultType> {
    return this.destinationService.testAuthentication(workspace.id, id);
  }

  @Mutation(() => DestinationType)
  async updateDestination(
    @CurrentWorkspace() workspace: Workspace,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: DestinationInputType,
  ): Promise<DestinationType> {
    return this.toDestinationType(await this.destinationService.update(workspace.id, id, input));
  }

  private toDestinationType(destination: Destination): DestinationType {
    return {
      id: destination.id,
      name: destination.name,
      plugin: destination.plugin,
      enabled: destination.enabled,
      settings: this.destinationService.shownSettings(destination),
      rateLimit: destination.rateLimit,
      createdAt: destination.createdAt,
      updatedAt: destination.updatedAt,
    };
  }
}

function toPluginType(plugin: DestinationDefinition): DestinationPluginType {
  const settingsSchema: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(plugin.settings)) {
    const declared = Object.fromEntries(SETTING_KEYS.filter((key) => setting[key] !== undefined).map((key) => [key, setting[key]]));
    // `enum` keeps listing the allowed values, for clients written before `choices` (kit 1.x).
    const values = choiceValues(setting);
    settingsSchema[name] = values ? { ...declared, enum: values } : declared;
  }
  return {
    name: plugin.name,
    displayName: plugin.displayName,
    description: plugin.description ?? null,
    settingsSchema,
    actions: Object.entries(plugin.actions).map(([name, action]) => ({
      name,
      title: action.title,
      description: action.description ?? null,
      fields: Object.entries(action.fields).map(([fieldName, field]) => ({
        name: fieldName,
        type: field.type,
        required: field.required ?? false,
        description: field.description ?? null,
        defaultMapping: field.default ?? null,
        enum: choiceValues(field) ?? null,
      })),
    })),
  };
}
