import { MigrationInterface, QueryRunner } from 'typeorm';

/** How far the stranded-events reconciler has looked: events up to checked_seq were applied or had a job. */
export class EventReconciler1764500300000 implements MigrationInterface {
  name = 'EventReconciler1764500300000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE event_reconciler_progress (id int PRIMARY KEY CHECK (id = 1), checked_seq bigint NOT NULL)`);
    await db.query(`INSERT INTO event_reconciler_progress (id, checked_seq) VALUES (1, 0)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE event_reconciler_progress`);
  }
}
