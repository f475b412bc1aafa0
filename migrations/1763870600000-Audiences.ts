import { MigrationInterface, QueryRunner } from 'typeorm';

/** Audiences, their current members, and when each member's sliding windows must be looked at again. */
export class Audiences1763870600000 implements MigrationInterface {
  name = 'Audiences1763870600000';

  async up(db: QueryRunner): Promise<void> {
    // filled_at: when the background evaluation of the profiles that existed at creation finished.
    // holds_when_empty: the condition holds for a profile with no traits and no events (e.g. "Order Completed
    // zero times"), so a profile can belong before it does anything the condition names.
    await db.query(`
      CREATE TABLE audiences (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL,
        condition jsonb NOT NULL,
        holds_when_empty boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        filled_at timestamptz,
        UNIQUE (workspace_id, name)
      )`);
    // Members only: a row is inserted on entry and deleted on exit, never rewritten.
    await db.query(`
      CREATE TABLE audience_memberships (
        audience_id uuid NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        entered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (audience_id, user_id)
      )`);
    // When a user's membership can next change by time alone (an event leaving a window). enqueued_at marks
    // the due rows the scheduler has already handed to the runtime, so it does not hand them over again.
    await db.query(`
      CREATE TABLE audience_rechecks (
        audience_id uuid NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        due_at timestamptz NOT NULL,
        enqueued_at timestamptz,
        PRIMARY KEY (audience_id, user_id)
      )`);
    await db.query(`CREATE INDEX audience_rechecks_by_due ON audience_rechecks (due_at)`);
    await db.query(`CREATE INDEX audience_rechecks_by_user ON audience_rechecks (workspace_id, user_id)`);
    // Profiles whose events audiences have evaluated: the first one is when holds_when_empty audiences admit them.
    await db.query(`
      CREATE TABLE audience_known_profiles (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        PRIMARY KEY (workspace_id, user_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE audience_known_profiles, audience_rechecks, audience_memberships, audiences`);
  }
}
