import { startTestApp, TestApp } from '../harness/test-app';
import { AudiencesApi, eventsApplied, isMember } from './audience-fixtures';

const PROFILES = 10_000;
const customer = (n: number) => `customer-${String(n).padStart(5, '0')}`;

/**
 * An audience of 10,000 profiles is kept current one user at a time: an event re-evaluates its own user only,
 * and writes a membership row only when that user's membership changes. Writes are counted by a trigger on
 * the memberships table, installed by this test.
 */
describe('audiences: incremental membership at 10,000 profiles', () => {
  let itinera: TestApp;
  let audiences: AudiencesApi;
  let seattleShoppers: string;

  const writes = async () =>
    (await itinera.db.query('SELECT op, user_id FROM membership_writes ORDER BY id')).rows.map((row) => `${row.op} ${row.user_id}`);

  beforeAll(async () => {
    itinera = await startTestApp();
    audiences = new AudiencesApi(itinera.graphql);
    const workspaceId = itinera.workspace.workspaceId;

    // 10,000 Seattle customers who each added a product an hour ago, as if their events had long been applied.
    await itinera.db.query(
      `INSERT INTO profiles (workspace_id, user_id, traits)
       SELECT $1, 'customer-' || lpad(i::text, 5, '0'), jsonb_build_object('city', 'Seattle', 'birth_year', 1981 + i % 20)
       FROM generate_series(1, ${PROFILES}) AS i`,
      [workspaceId],
    );
    await itinera.db.query(
      `INSERT INTO events (workspace_id, user_id, type, event, properties, message_id, timestamp)
       SELECT $1, 'customer-' || lpad(i::text, 5, '0'), 'track', 'Product Added',
              jsonb_build_object('product_id', i, 'name', 'Monopoly: 3rd Edition', 'price', 18.99), 'seeded-' || i, now() - interval '1 hour'
       FROM generate_series(1, ${PROFILES}) AS i`,
      [workspaceId],
    );
    await itinera.db.query(
      `INSERT INTO event_cursors (workspace_id, user_id, applied_seq) SELECT workspace_id, user_id, max(seq) FROM events WHERE workspace_id = $1 GROUP BY 1, 2`,
      [workspaceId],
    );

    seattleShoppers = (
      await audiences.create({
        name: 'Seattle shoppers',
        condition: {
          filters: [{ path: 'traits.city', operator: 'EQUALS', values: ['Seattle'] }],
          performed: [{ event: 'Product Added', atLeast: 1 }],
        },
      })
    ).id;
    await audiences.waitForSize(seattleShoppers, PROFILES, 60_000);

    await itinera.db.query(`
      CREATE TABLE membership_writes (id bigserial PRIMARY KEY, op text NOT NULL, user_id text NOT NULL);
      CREATE FUNCTION count_membership_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO membership_writes (op, user_id) VALUES (TG_OP, COALESCE(NEW.user_id, OLD.user_id));
        RETURN NULL;
      END $$;
      CREATE TRIGGER membership_writes AFTER INSERT OR UPDATE OR DELETE ON audience_memberships
        FOR EACH ROW EXECUTE FUNCTION count_membership_write();`);
  }, 120_000);
  afterAll(() => itinera.close());

  beforeEach(() => itinera.db.query('TRUNCATE membership_writes'));

  it('fills the audience with all 10,000 profiles in background batches', async () => {
    expect(await audiences.size(seattleShoppers)).toBe(PROFILES);
  });

  it('takes out only the customer who moved to Portland: one delete, the 9,999 others untouched', async () => {
    await itinera.ingestion.identify({ userId: customer(42), traits: { city: 'Portland' } });
    await eventsApplied(itinera, customer(42));
    expect(await writes()).toEqual([`DELETE ${customer(42)}`]);
    expect(await audiences.size(seattleShoppers)).toBe(PROFILES - 1);
    expect(await isMember(itinera, seattleShoppers, customer(43))).toBe(true);
  });

  it('adds only the new Seattle customer who adds a product: one insert', async () => {
    const newcomer = customer(PROFILES + 1);
    await itinera.ingestion.identify({ userId: newcomer, traits: { city: 'Seattle', birth_year: 1992 } });
    await itinera.ingestion.send({ userId: newcomer, event: 'Product Added', properties: { product_id: '507f1f77', name: 'Monopoly', price: 18.99 } });
    await eventsApplied(itinera, newcomer);
    expect(await writes()).toEqual([`INSERT ${newcomer}`]);
    expect(await audiences.size(seattleShoppers)).toBe(PROFILES);
  });

  it('writes nothing when a member adds another product, or anyone views a page', async () => {
    await itinera.ingestion.send({ userId: customer(7), event: 'Product Added', properties: { product_id: '2', name: 'Uno', price: 6.99 } });
    await itinera.ingestion.page({ userId: customer(8), name: 'Home', properties: { path: '/' } });
    await Promise.all([eventsApplied(itinera, customer(7)), eventsApplied(itinera, customer(8))]);
    expect(await writes()).toEqual([]);
  });
});
