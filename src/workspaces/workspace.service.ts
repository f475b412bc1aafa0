import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { badUserInput, conflict } from '../common/errors';
import { Workspace } from './workspace.entity';
import { hashToken, newAdminToken, newWriteKey } from './workspace-tokens';

export interface WorkspaceCredentials {
  workspaceId: string;
  name: string;
  adminToken: string;
  writeKey: string;
}

/** Token lookups happen on every request; a short cache keeps them off the database. */
const TOKEN_CACHE_MS = 10_000;

@Injectable()
export class WorkspaceService {
  private readonly logger = new Logger('workspaces');
  private readonly tokenCache = new Map<string, { workspace: Workspace | null; until: number }>();

  constructor(
    @InjectRepository(Workspace) private readonly workspaces: Repository<Workspace>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(name: string, tokens: { adminToken?: string; writeKey?: string } = {}): Promise<WorkspaceCredentials> {
    const trimmed = name?.trim() ?? '';
    if (trimmed.length < 1 || trimmed.length > 100) {
      throw badUserInput([{ path: 'name', message: 'workspace name must be 1 to 100 characters' }]);
    }
    const adminToken = tokens.adminToken ?? newAdminToken();
    const writeKey = tokens.writeKey ?? newWriteKey();
    const inserted = await this.workspaces
      .createQueryBuilder()
      .insert()
      .values({ name: trimmed, adminTokenHash: hashToken(adminToken), writeKeyHash: hashToken(writeKey) })
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = inserted.raw[0]?.id as string | undefined;
    if (!id) throw conflict(`a workspace named "${trimmed}" already exists`);
    return { workspaceId: id, name: trimmed, adminToken, writeKey };
  }

  /**
   * The `default` workspace exists after the first start. Its credentials are printed once when
   * created, or taken from ITINERA_ADMIN_TOKEN / ITINERA_WRITE_KEY, which also replace stored ones.
   */
  async ensureDefaultWorkspace(): Promise<WorkspaceCredentials | null> {
    const { defaultAdminToken, defaultWriteKey } = this.config;
    const existing = await this.workspaces.findOne({ where: { name: 'default' } });
    if (existing) {
      const patch: Partial<Workspace> = {};
      if (defaultAdminToken) patch.adminTokenHash = hashToken(defaultAdminToken);
      if (defaultWriteKey) patch.writeKeyHash = hashToken(defaultWriteKey);
      if (Object.keys(patch).length) await this.workspaces.update({ id: existing.id }, patch);
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

  findByAdminToken(token: string): Promise<Workspace | null> {
    return this.cachedLookup(`a:${token}`, () => this.workspaces.findOne({ where: { adminTokenHash: hashToken(token) } }));
  }

  findByWriteKey(key: string): Promise<Workspace | null> {
    return this.cachedLookup(`w:${key}`, () => this.workspaces.findOne({ where: { writeKeyHash: hashToken(key) } }));
  }

  private async cachedLookup(cacheKey: string, load: () => Promise<Workspace | null>): Promise<Workspace | null> {
    const now = Date.now();
    const hit = this.tokenCache.get(cacheKey);
    if (hit && hit.until > now) return hit.workspace;
    const workspace = await load();
    if (this.tokenCache.size > 10_000) this.tokenCache.clear();
    // Unknown tokens are not cached, so a workspace created a moment ago works at once.
    if (workspace) this.tokenCache.set(cacheKey, { workspace, until: now + TOKEN_CACHE_MS });
    return workspace;
  }
}
