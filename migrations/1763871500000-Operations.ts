import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users whose events are dropped on arrival (deleteProfile with suppress), the indexes retention deletes
 * by, and the mapping of a send whose plugin was not loaded when it was scheduled (mapped when it is).
 */
export class Operations1763871500000 implements MigrationInterface {
  name = 'Operations1763871500000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE suppressed_profiles (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        suppressed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, user_id)
      )`);
    await db.query(`CREATE INDEX events_by_received_at ON events (received_at)`);
    await db.query(`CREATE INDEX activities_by_at ON activities (at)`);
    await db.query(`CREATE INDEX deliveries_by_created_at ON deliveries (created_at)`);
    await db.query(`ALTER TABLE deliveries ADD COLUMN unmapped jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deliveries DROP COLUMN unmapped`);
    await db.query(`DROP INDEX events_by_received_at, activities_by_at, deliveries_by_created_at`);
    await db.query(`DROP TABLE suppressed_profiles`);
  }
}
