import { MigrationInterface, QueryRunner } from 'typeorm';

/** Events the per-profile ingestion limit dropped, counted per workspace and day. */
export class IngestionDrops1764500200000 implements MigrationInterface {
  name = 'IngestionDrops1764500200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE ingestion_drops (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        day date NOT NULL,
        dropped bigint NOT NULL,
        PRIMARY KEY (workspace_id, day)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE ingestion_drops`);
  }
}
