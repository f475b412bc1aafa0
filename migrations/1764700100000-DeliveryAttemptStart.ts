import { MigrationInterface, QueryRunner } from 'typeorm';

/** When a delivery's latest attempt started: what a destination's rate limit spaces (issue 17). */
export class DeliveryAttemptStart1764700100000 implements MigrationInterface {
  name = 'DeliveryAttemptStart1764700100000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deliveries ADD COLUMN last_attempt_started_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deliveries DROP COLUMN last_attempt_started_at`);
  }
}
