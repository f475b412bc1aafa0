import { MigrationInterface, QueryRunner } from 'typeorm';

/** Who changed what in a workspace through the admin API: one row per mutation field. */
export class AuditLog1764500100000 implements MigrationInterface {
  name = 'AuditLog1764500100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        token_id uuid,
        token_name text NOT NULL,
        operation text NOT NULL,
        target_id text,
        outcome text NOT NULL,
        changes jsonb NOT NULL DEFAULT '{}'
      )`);
    await db.query(`CREATE INDEX audit_log_by_workspace ON audit_log (workspace_id, id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE audit_log`);
  }
}
