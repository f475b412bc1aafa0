import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { AllowedOrigins } from './allowed-origins.service';

@Resolver()
export class AllowedOriginsResolver {
  constructor(private readonly allowedOrigins: AllowedOrigins) {}

  @Query(() => [String], { nullable: true, description: 'Origins browsers may send events from (CORS on the ingestion API); null: any origin.' })
  ingestionAllowedOrigins(@CurrentWorkspace() workspace: Workspace): Promise<string[] | null> {
    return this.allowedOrigins.of(workspace.id);
  }

  @Mutation(() => [String], {
    nullable: true,
    description: 'Lets browsers send events only from these origins (e.g. https://shop.example.com); null lets any origin send. Applies within 10 s.',
  })
  setIngestionAllowedOrigins(
    @CurrentWorkspace() workspace: Workspace,
    @Args('origins', { type: () => [String], nullable: true }) origins: string[] | null,
  ): Promise<string[] | null> {
    return this.allowedOrigins.set(workspace.id, origins ?? null);
  }
}
