import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, IsNull, Repository } from 'typeorm';
import { isUuid } from '../common/cursor';
import { badUserInput, invalidState, notFound } from '../common/errors';
import { Workspace } from '../workspaces/workspace.entity';
import { hashToken, newAdminToken, newReadToken, newWriteKey } from '../workspaces/workspace-tokens';
import { Credential, CredentialKind } from './credential.entity';

/** NOTIFY channel: `{ "id": <credential id> }`, on the commit of its revocation. */
export const CREDENTIAL_REVOKED_CHANNEL = 'itinera_credential_revoked';

export interface Authenticated {
  credential: Credential;
  workspace: Workspace;
}

/** Lookups happen on every request; a short cache keeps them off the database (revocations clear it at once). */
const CACHE_MS = 10_000;
/** last_used_at is for people deciding what to revoke: minute precision spares a write per request. */
const TOUCH_EVERY_MS = 60_000;
const MAX_NAME_LENGTH = 100;

const SECRET_FOR: Record<CredentialKind, () => string> = { ADMIN: newAdminToken, READ: newReadToken, WRITE: newWriteKey };

/** API tokens and write keys: issued (the secret shown once), listed, revoked, and checked on every request. */
@Injectable()
export class CredentialService {
  private readonly logger = new Logger('credentials');
  private readonly cache = new Map<string, { found: Authenticated; until: number }>();
  private readonly touchedAt = new Map<string, number>();
  /**
   * Lookups under way, by hash: when an entry expires, every request already in flight with that key
   * (32 at once in the bench's track load, scenario 7) waits for one lookup instead of making its own.
   */
  private readonly loading = new Map<string, Promise<Authenticated | null>>();

  constructor(
    @InjectRepository(Credential) private readonly credentials: Repository<Credential>,
    @InjectRepository(Workspace) private readonly workspaces: Repository<Workspace>,
  ) {}

  async issue(
    workspaceId: string,
    kind: CredentialKind,
    name: string,
    options: { secret?: string; manager?: EntityManager } = {},
  ): Promise<{ credential: Credential; secret: string }> {
    const trimmed = (name ?? '').trim();
    if (trimmed.length < 1 || trimmed.length > MAX_NAME_LENGTH) {
      throw badUserInput([{ path: 'name', message: `must be 1 to ${MAX_NAME_LENGTH} characters` }]);
    }
    const secret = options.secret ?? SECRET_FOR[kind]();
    const repository = options.manager?.getRepository(Credential) ?? this.credentials;
    const credential = await repository.save(repository.create({ workspaceId, kind, name: trimmed, secretHash: hashToken(secret) }));
    return { credential, secret };
  }

  /** Active ones, oldest first. */
  list(workspaceId: string, kinds: CredentialKind[]): Promise<Credential[]> {
    return this.credentials.find({ where: { workspaceId, kind: In(kinds), revokedAt: IsNull() }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Active or revoked. */
  findBySecret(secret: string): Promise<Credential | null> {
    return this.credentials.findOne({ where: { secretHash: hashToken(secret) } });
  }

  /**
   * Revokes at once: every process drops it from its cache and closes its sockets when the NOTIFY sent
   * with the commit arrives (this process before answering). The last ADMIN token of a workspace stays:
   * without it nobody could manage the workspace.
   */
  async revoke(workspaceId: string, id: string, kinds: CredentialKind[]): Promise<Credential> {
    if (!isUuid(id)) throw notFound(kinds.includes('WRITE') ? 'write key' : 'API token', id);
    const revoked = await this.credentials.manager.transaction(async (manager) => {
      const credential = await manager.getRepository(Credential).findOne({
        where: { id, workspaceId, kind: In(kinds), revokedAt: IsNull() },
        lock: { mode: 'pessimistic_write' },
      });
      if (!credential) throw notFound(kinds.includes('WRITE') ? 'write key' : 'API token', id);
      if (credential.kind === 'ADMIN') {
        // Lock the workspace's admin tokens so two revocations cannot each leave the other as the last.
        const admins = await manager.query(
          `SELECT id FROM credentials WHERE workspace_id = $1 AND kind = 'ADMIN' AND revoked_at IS NULL FOR UPDATE`,
          [workspaceId],
        );
        if (admins.length <= 1) throw invalidState('this is the workspace’s last ADMIN token: create another one before revoking it');
      }
      credential.revokedAt = new Date();
      await manager.getRepository(Credential).save(credential);
      await manager.query('SELECT pg_notify($1, $2)', [CREDENTIAL_REVOKED_CHANNEL, JSON.stringify({ id: credential.id })]);
      return credential;
    });
    this.forget(revoked.id);
    return revoked;
  }

  /** The active credential of one of `kinds` with this secret, and its workspace; null otherwise. */
  async authenticate(secret: string, kinds: CredentialKind[]): Promise<Authenticated | null> {
    const hash = hashToken(secret);
    const now = Date.now();
    let found = this.cache.get(hash);
    if (!found || found.until <= now) {
      let pending = this.loading.get(hash);
      if (!pending) {
        const started = this.load(hash).finally(() => {
          if (this.loading.get(hash) === started) this.loading.delete(hash);
        });
        pending = started;
        this.loading.set(hash, started);
      }
      const loaded = await pending;
      // Unknown secrets are not cached, so a credential issued a moment ago works at once.
      if (!loaded) return null;
      if (this.cache.size > 10_000) this.cache.clear();
      found = { found: loaded, until: now + CACHE_MS };
      this.cache.set(hash, found);
    }
    if (!kinds.includes(found.found.credential.kind)) return null;
    this.touch(found.found.credential.id, now);
    return found.found;
  }

  /** Drops a revoked credential from this process's cache. */
  forget(credentialId: string): void {
    // A lookup that started before the revocation must not answer requests that came after it.
    this.loading.clear();
    for (const [hash, entry] of this.cache) if (entry.found.credential.id === credentialId) this.cache.delete(hash);
  }

  private async load(hash: string): Promise<Authenticated | null> {
    const credential = await this.credentials.findOne({ where: { secretHash: hash, revokedAt: IsNull() } });
    if (!credential) return null;
    const workspace = await this.workspaces.findOne({ where: { id: credential.workspaceId } });
    return workspace ? { credential, workspace } : null;
  }

  private touch(credentialId: string, now: number): void {
    if ((this.touchedAt.get(credentialId) ?? 0) > now - TOUCH_EVERY_MS) return;
    if (this.touchedAt.size > 10_000) this.touchedAt.clear();
    this.touchedAt.set(credentialId, now);
    this.credentials
      .update({ id: credentialId }, { lastUsedAt: new Date(now) })
      .catch((error) => this.logger.warn({ msg: 'could not record when a credential was last used', error: String(error) }));
  }
}
