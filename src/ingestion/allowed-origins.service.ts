import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { badUserInput, Problem } from '../common/errors';

/** How long a process trusts what it read; a change reaches every process within this. */
const CACHE_MS = 10_000;
const MAX_ORIGINS = 100;

/**
 * The origins a workspace lets browsers send events from (CORS). None configured: any origin, like the
 * reference API. Requests without an `Origin` header (servers, mobile apps) are never restricted.
 */
@Injectable()
export class AllowedOrigins {
  private readonly cache = new Map<string, { origins: string[] | null; until: number }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async allows(workspaceId: string, origin: string | undefined): Promise<boolean> {
    if (!origin) return true;
    const origins = await this.of(workspaceId);
    return origins === null || origins.includes(origin);
  }

  async of(workspaceId: string): Promise<string[] | null> {
    const hit = this.cache.get(workspaceId);
    if (hit && hit.until > Date.now()) return hit.origins;
    const rows: { origins: string[] }[] = await this.dataSource.query('SELECT origins FROM ingestion_allowed_origins WHERE workspace_id = $1', [workspaceId]);
    const origins = rows[0]?.origins ?? null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(workspaceId, { origins, until: Date.now() + CACHE_MS });
    return origins;
  }

  /** `null` lets any origin send again. Each origin is `scheme://host[:port]`, as browsers send it. */
  async set(workspaceId: string, origins: string[] | null): Promise<string[] | null> {
    if (origins === null) {
      await this.dataSource.query('DELETE FROM ingestion_allowed_origins WHERE workspace_id = $1', [workspaceId]);
    } else {
      const problems = originProblems(origins);
      if (problems.length) throw badUserInput(problems);
      await this.dataSource.query(
        `INSERT INTO ingestion_allowed_origins (workspace_id, origins) VALUES ($1, $2)
         ON CONFLICT (workspace_id) DO UPDATE SET origins = EXCLUDED.origins, updated_at = now()`,
        [workspaceId, [...new Set(origins)]],
      );
    }
    this.cache.delete(workspaceId);
    return this.of(workspaceId);
  }
}

function originProblems(origins: string[]): Problem[] {
  if (origins.length > MAX_ORIGINS) return [{ path: 'origins', message: `at most ${MAX_ORIGINS} origins` }];
  return origins.flatMap((origin, index) => {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    return parsed && /^https?:$/.test(parsed.protocol) && parsed.origin === origin
      ? []
      : [{ path: `origins.${index}`, message: `${JSON.stringify(origin)} is not an origin such as https://shop.example.com (scheme, host and port only, no path)` }];
  });
}
