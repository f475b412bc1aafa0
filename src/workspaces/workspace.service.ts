import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { badUserInput, conflict } from '../common/errors';
import { Workspace } from './workspace.entity';
import { CredentialKind, WRITE_KEY_KINDS } from '../tokens/credential.entity';
import { CredentialService } from '../tokens/credential.service';
import type { TimeSettings } from '../engine/time-settings';
import { normalizeWorkspaceTimeSettings, type WorkspaceTimeSettingsInputShape } from './workspace-time-settings';

export interface WorkspaceCredentials {
  workspaceId: string;
  name: string;
  adminToken: string;
  writeKey: string;
}

/** What the credentials given by ITINERA_ADMIN_TOKEN / ITINERA_WRITE_KEY are called in the workspace. */
const FROM_ENV = { ADMIN: 'ITINERA_ADMIN_TOKEN', WRITE: 'ITINERA_WRITE_KEY' } as const;

@Injectable()
export class WorkspaceService {
  private readonly logger = new Logger('workspaces');

  constructor(
    @InjectRepository(Workspace) private readonly workspaces: Repository<Workspace>,
    private readonly credentials: CredentialService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A workspace with its first ADMIN token and write key (more can be created, and these revoked, later). */
  async create(name: string, tokens: { adminToken?: string; writeKey?: string } = {}): Promise<WorkspaceCredentials> {
    const trimmed = name?.trim() ?? '';
    if (trimmed.length < 1 || trimmed.length > 100) {
      throw badUserInput([{ path: 'name', message: 'workspace name must be 1 to 100 characters' }]);
    }
    return this.workspaces.manager.transaction(async (manager) => {
      const inserted = await manager.createQueryBuilder().insert().into(Workspace).values({ name: trimmed }).orIgnore().returning(['id']).execute();
      const id = inserted.raw[0]?.id as string | undefined;
      if (!id) throw conflict(`a workspace named "${trimmed}" already exists`);
      const admin = await this.credentials.issue(id, 'ADMIN', tokens.adminToken ? FROM_ENV.ADMIN : 'initial admin token', { secret: tokens.adminToken, manager });
      const write = await this.credentials.issue(id, 'WRITE', tokens.writeKey ? FROM_ENV.WRITE : 'initial write key', { secret: tokens.writeKey, manager });
      return { workspaceId: id, name: trimmed, adminToken: admin.secret, writeKey: write.secret };
    });
  }

  /**
   * The `default` workspace exists after the first start. Its credentials are printed once when
   * created, or taken from ITINERA_ADMIN_TOKEN / ITINERA_WRITE_KEY, which also replace the ones an earlier
   * start took from there.
   */
  async ensureDefaultWorkspace(): Promise<WorkspaceCredentials | null> {
    const { defaultAdminToken, defaultWriteKey } = this.config;
    const existing = await this.workspaces.findOne({ where: { name: 'default' } });
    if (existing) {
      if (defaultAdminToken) await this.replaceFromEnv(existing.id, 'ADMIN', defaultAdminToken);
      if (defaultWriteKey) await this.replaceFromEnv(existing.id, 'WRITE', defaultWriteKey);
      return null;
    }
    try {
      return await this.create('default', { adminToken: defaultAdminToken, writeKey: defaultWriteKey });
    } catch (error) {
      // Another process starting at the same moment created it first.
      this.logger.debug(`default workspace created elsewhere: ${error}`);
      return null;
    }
  }

  /** The workspace's default time zone and quiet hours (journeys without their own use them). */
  async timeSettings(workspaceId: string): Promise<TimeSettings> {
    const workspace = await this.workspaces.findOneByOrFail({ id: workspaceId });
    return { timeZone: workspace.timeZone ?? undefined, quietHours: workspace.quietHours ?? undefined };
  }

  /** Sets the fields given (null clears one, a field left out stays), after checking all of them. */
  async updateTimeSettings(workspaceId: string, input: WorkspaceTimeSettingsInputShape): Promise<TimeSettings> {
    const { settings, problems } = normalizeWorkspaceTimeSettings(input);
    if (problems.length > 0) throw badUserInput(problems);
    const changes: Partial<Workspace> = {};
    if (input.timeZone !== undefined) changes.timeZone = settings.timeZone ?? null;
    if (input.quietHours !== undefined) changes.quietHours = settings.quietHours ?? null;
    if (Object.keys(changes).length > 0) await this.workspaces.update({ id: workspaceId }, changes);
    return this.timeSettings(workspaceId);
  }

  /** The workspace of an active write key (ingestion). */
  async findByWriteKey(key: string): Promise<Workspace | null> {
    return (await this.credentials.authenticate(key, WRITE_KEY_KINDS))?.workspace ?? null;
  }

  private async replaceFromEnv(workspaceId: string, kind: 'ADMIN' | 'WRITE', secret: string): Promise<void> {
    const known = await this.credentials.findBySecret(secret);
    if (known) {
      // A revocation stands: restarting with the same variable must not bring the credential back.
      if (known.revokedAt) this.logger.warn({ msg: `${FROM_ENV[kind]} names a revoked credential; it stays revoked`, credentialId: known.id });
      return;
    }
    const kinds: CredentialKind[] = [kind];
    const earlier = (await this.credentials.list(workspaceId, kinds)).filter((credential) => credential.name === FROM_ENV[kind]);
    try {
      await this.credentials.issue(workspaceId, kind, FROM_ENV[kind], { secret });
    } catch (error) {
      // Another process starting at the same moment stored it first.
      this.logger.debug(`${FROM_ENV[kind]} stored elsewhere: ${error}`);
      return;
    }
    for (const credential of earlier) await this.credentials.revoke(workspaceId, credential.id, kinds);
  }
}
