import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several API tokens (ADMIN or READ) and write keys per workspace, each named and revocable, replacing the
 * one admin token and one write key hash kept on the workspace (moved here as the workspace's first ones).
 */
export class Credentials1764500000000 implements MigrationInterface {
  name = 'Credentials1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE credentials (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('ADMIN', 'READ', 'WRITE')),
        name text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await db.query(`CREATE INDEX credentials_by_workspace ON credentials (workspace_id, created_at, id)`);
    await db.query(`
      INSERT INTO credentials (workspace_id, kind, name, secret_hash, created_at)
      SELECT id, 'ADMIN', 'initial admin token', admin_token_hash, created_at FROM workspaces
      UNION ALL
      SELECT id, 'WRITE', 'initial write key', write_key_hash, created_at FROM workspaces`);
    await db.query(`ALTER TABLE workspaces DROP COLUMN admin_token_hash, DROP COLUMN write_key_hash`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE workspaces ADD COLUMN admin_token_hash text, ADD COLUMN write_key_hash text`);
    await db.query(`
      UPDATE workspaces w SET
        admin_token_hash = (SELECT secret_hash FROM credentials c WHERE c.workspace_id = w.id AND kind = 'ADMIN' AND revoked_at IS NULL ORDER BY created_at LIMIT 1),
        write_key_hash = (SELECT secret_hash FROM credentials c WHERE c.workspace_id = w.id AND kind = 'WRITE' AND revoked_at IS NULL ORDER BY created_at LIMIT 1)`);
    await db.query(`DROP TABLE credentials`);
  }
}
