import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import createSubscriber, { Subscriber } from 'pg-listen';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { CREDENTIAL_REVOKED_CHANNEL, CredentialService } from './credential.service';

/** Close code for a graphql-ws socket whose token was revoked (4403, as for a socket refused at connect). */
export const REVOKED_SOCKET_CLOSE_CODE = 4403;

/**
 * Makes a revocation take effect in every API process: each LISTENs for revoked credential ids, drops
 * them from its cache and closes the graphql-ws sockets opened with them.
 */
@Injectable()
export class CredentialRevocations implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('credentials');
  private readonly sockets = new Map<string, Set<() => void>>();
  private subscriber: Subscriber | null = null;

  constructor(
    private readonly credentials: CredentialService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.role === 'worker') return;
    const subscriber = createSubscriber({ connectionString: this.config.databaseUrl, application_name: 'itinera-credential-listener' });
    subscriber.notifications.on(CREDENTIAL_REVOKED_CHANNEL, (payload: { id?: unknown }) => this.revoked(String(payload?.id)));
    subscriber.events.on('error', (error) => this.logger.error({ msg: 'credential revocation listener failed; cached credentials expire within 10 s', error: String(error) }));
    try {
      await subscriber.connect();
      await subscriber.listenTo(CREDENTIAL_REVOKED_CHANNEL);
      this.subscriber = subscriber;
    } catch (error) {
      // Not fatal: this process still refuses revoked credentials once its cache expires (10 s).
      this.logger.error({ msg: 'could not listen for credential revocations', error: String(error) });
      await subscriber.close().catch(() => undefined);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.close().catch(() => undefined);
  }

  /** Remembers how to close a socket opened with the credential; returns the call that forgets it. */
  trackSocket(credentialId: string, close: () => void): () => void {
    const closers = this.sockets.get(credentialId) ?? new Set<() => void>();
    closers.add(close);
    this.sockets.set(credentialId, closers);
    return () => {
      closers.delete(close);
      if (closers.size === 0) this.sockets.delete(credentialId);
    };
  }

  /** Open sockets of the credential in this process (for tests and operators). */
  socketCount(credentialId: string): number {
    return this.sockets.get(credentialId)?.size ?? 0;
  }

  /** Also called directly by the revoking process, so it does not wait for its own NOTIFY. */
  revoked(credentialId: string): void {
    this.credentials.forget(credentialId);
    const closers = this.sockets.get(credentialId);
    this.sockets.delete(credentialId);
    for (const close of closers ?? []) close();
  }
}
