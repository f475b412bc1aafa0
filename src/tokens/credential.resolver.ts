import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentWorkspace } from '../workspaces/request-context';
import { Workspace } from '../workspaces/workspace.entity';
import { API_TOKEN_KINDS, ApiTokenScope, Credential, WRITE_KEY_KINDS } from './credential.entity';
import { ApiTokenScopeEnum, ApiTokenType, CreatedApiTokenType, CreatedWriteKeyType, WriteKeyType } from './credential.graphql-types';
import { CredentialRevocations } from './credential-revocations';
import { CredentialService } from './credential.service';

/** Several API tokens and write keys per workspace, so each can be rotated without downtime. */
@Resolver()
export class CredentialResolver {
  constructor(
    private readonly credentials: CredentialService,
    private readonly revocations: CredentialRevocations,
  ) {}

  @Query(() => [ApiTokenType], { description: "The workspace's active API tokens, oldest first (never their secrets)." })
  async apiTokens(@CurrentWorkspace() workspace: Workspace): Promise<ApiTokenType[]> {
    return (await this.credentials.list(workspace.id, API_TOKEN_KINDS)).map(toApiToken);
  }

  @Mutation(() => CreatedApiTokenType, { description: 'The secret is in the answer, and nowhere else ever again.' })
  async createApiToken(
    @CurrentWorkspace() workspace: Workspace,
    @Args('name') name: string,
    @Args('scope', { type: () => ApiTokenScopeEnum }) scope: ApiTokenScope,
  ): Promise<CreatedApiTokenType> {
    const { credential, secret } = await this.credentials.issue(workspace.id, scope, name);
    return { token: toApiToken(credential), secret };
  }

  @Mutation(() => ApiTokenType, { description: 'Takes effect at once, also on open graphql-ws sockets (closed with 4403).' })
  async revokeApiToken(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<ApiTokenType> {
    const credential = await this.credentials.revoke(workspace.id, id, API_TOKEN_KINDS);
    this.revocations.revoked(credential.id);
    return toApiToken(credential);
  }

  @Query(() => [WriteKeyType], { description: "The workspace's active write keys, oldest first (never their secrets)." })
  async writeKeys(@CurrentWorkspace() workspace: Workspace): Promise<WriteKeyType[]> {
    return (await this.credentials.list(workspace.id, WRITE_KEY_KINDS)).map(toWriteKey);
  }

  @Mutation(() => CreatedWriteKeyType, { description: 'The secret is in the answer, and nowhere else ever again.' })
  async createWriteKey(@CurrentWorkspace() workspace: Workspace, @Args('name') name: string): Promise<CreatedWriteKeyType> {
    const { credential, secret } = await this.credentials.issue(workspace.id, 'WRITE', name);
    return { writeKey: toWriteKey(credential), secret };
  }

  @Mutation(() => WriteKeyType, { description: 'Takes effect at once: the ingestion API answers 401 to it.' })
  async revokeWriteKey(@CurrentWorkspace() workspace: Workspace, @Args('id', { type: () => ID }) id: string): Promise<WriteKeyType> {
    const credential = await this.credentials.revoke(workspace.id, id, WRITE_KEY_KINDS);
    this.revocations.revoked(credential.id);
    return toWriteKey(credential);
  }
}

function toApiToken(credential: Credential): ApiTokenType {
  const { id, name, createdAt, lastUsedAt } = credential;
  return { id, name, scope: credential.kind as ApiTokenScope, createdAt, lastUsedAt };
}

function toWriteKey({ id, name, createdAt, lastUsedAt }: Credential): WriteKeyType {
  return { id, name, createdAt, lastUsedAt };
}
