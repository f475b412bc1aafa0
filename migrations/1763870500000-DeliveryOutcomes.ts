import { MigrationInterface, QueryRunner } from 'typeorm';

/** What a delivery's destination answered and when its next attempt is due; pages of one journey's deliveries. */
export class DeliveryOutcomes1763870500000 implements MigrationInterface {
  name = 'DeliveryOutcomes1763870500000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE deliveries ADD COLUMN response jsonb, ADD COLUMN next_attempt_at timestamptz`);
    await db.query(`CREATE INDEX deliveries_by_journey_created ON deliveries (workspace_id, journey_id, created_at, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX deliveries_by_journey_created`);
    await db.query(`ALTER TABLE deliveries DROP COLUMN response, DROP COLUMN next_attempt_at`);
  }
}
