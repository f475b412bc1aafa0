import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { RequestContext } from '../workspaces/request-context';
import { bearerToken, sameSecret } from '../workspaces/workspace-tokens';
import { AuthFailureThrottle } from './auth-failure-throttle';
import { REVOKED_SOCKET_CLOSE_CODE, CredentialRevocations } from './credential-revocations';
import { API_TOKEN_KINDS, ApiTokenScope } from './credential.entity';
import { CredentialService } from './credential.service';

const ANONYMOUS: RequestContext = { workspace: null, isRoot: false, token: null };

/** What a graphql-ws socket keeps: the context of its operations, and the socket itself to close it. */
export interface SocketState {
  context?: RequestContext;
  socket?: { close(code: number, reason: string): void; once(event: 'close', listener: () => void): void };
}

/** Who calls the GraphQL API: the root token (createWorkspace only), a workspace's API token, or nobody. */
@Injectable()
export class ApiTokenAuthentication {
  constructor(
    private readonly credentials: CredentialService,
    private readonly revocations: CredentialRevocations,
    private readonly throttle: AuthFailureThrottle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async contextFor(authorization: unknown, address: string | undefined): Promise<RequestContext> {
    const secret = bearerToken(authorization);
    if (!secret) return ANONYMOUS;
    if (this.config.rootToken && sameSecret(secret, this.config.rootToken)) return { workspace: null, isRoot: true, token: null };
    const found = await this.credentials.authenticate(secret, API_TOKEN_KINDS);
    if (!found) {
      this.throttle.recordFailure(address);
      return ANONYMOUS;
    }
    const { id, name, kind } = found.credential;
    return { workspace: found.workspace, isRoot: false, token: { id, name, scope: kind as ApiTokenScope } };
  }

  /** graphql-ws onConnect: false refuses the socket (4403). A throttled address is refused before any lookup. */
  async openSocket(authorization: unknown, address: string | undefined, state: SocketState): Promise<boolean> {
    if (this.throttle.retryAfterSeconds(address) > 0) return false;
    const context = await this.contextFor(authorization, address);
    if (!context.workspace || !context.token) return false;
    state.context = context;
    const socket = state.socket;
    if (socket) {
      const forget = this.revocations.trackSocket(context.token.id, () => socket.close(REVOKED_SOCKET_CLOSE_CODE, 'token revoked'));
      socket.once('close', forget);
    }
    return true;
  }
}
