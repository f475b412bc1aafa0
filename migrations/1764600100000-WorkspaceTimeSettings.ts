import { MigrationInterface, QueryRunner } from 'typeorm';

/** A workspace's default time zone and quiet hours, which journeys without their own use. */
export class WorkspaceTimeSettings1764600100000 implements MigrationInterface {
  name = 'WorkspaceTimeSettings1764600100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE workspaces ADD COLUMN time_zone text, ADD COLUMN quiet_hours jsonb`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE workspaces DROP COLUMN time_zone, DROP COLUMN quiet_hours`);
  }
}
