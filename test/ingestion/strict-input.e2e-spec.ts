import { startTestApp, TestApp } from '../harness/test-app';

/**
 * Ingestion stores what was sent or refuses it, never a guess: timestamps are ISO-8601 only (Date.parse
 * read "1" as 2001-01-01 and "March 7" as 2001-03-07, in the server's time zone), and numbers that would
 * not survive as sent (1e309 became null, 12345678901234567890 lost digits) are refused with a 400 saying so.
 */
describe('ingestion refuses what it could only guess', () => {
  let itinera: TestApp;

  beforeAll(async () => {
    itinera = await startTestApp();
  });
  afterAll(() => itinera.close());

  const eventsOf = async (userId: string) => (await itinera.db.query('SELECT * FROM events WHERE user_id = $1 ORDER BY seq', [userId])).rows;

  it.each([['1'], ['March 7'], ['2024-05-01 garbage'], ['05/01/2024'], ['2024-02-30T10:00:00Z'], ['2024-05-01T25:00:00Z'], ['1714557600000']])(
    'refuses the timestamp %j with a 400 naming the field, storing nothing',
    async (timestamp) => {
      const result = await itinera.ingestion.track({ userId: 'guess-ts', event: 'Application_Started', timestamp });
      expect(result.status).toBe(400);
      expect(result.body.errors).toEqual([{ path: 'timestamp', message: expect.stringMatching(/^timestamp (must be an ISO-8601 date string|is not a real date)/) }]);
      expect(await eventsOf('guess-ts')).toHaveLength(0);
    },
  );

  it('reads ISO-8601 forms exactly, a time without an offset as UTC', async () => {
    const forms = [
      ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
      ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
      ['2024-05-01T05:30:00.123456-0430', '2024-05-01T10:00:00.123Z'],
      ['2024-05-01T10:00:00', '2024-05-01T10:00:00.000Z'],
      ['2024-05-01', '2024-05-01T00:00:00.000Z'],
      ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z'],
    ];
    const result = await itinera.ingestion.batch(forms.map(([timestamp]) => ({ type: 'track', userId: 'iso-forms', event: 'Cart_Viewed', timestamp })));
    expect(result.status).toBe(200);
    expect((await eventsOf('iso-forms')).map((e) => e.timestamp.toISOString())).toEqual(forms.map(([, stored]) => stored));
  });

  it('refuses 1e309, which would be stored as null, naming where it is', async () => {
    const result = await itinera.ingestion.post('/v1/track', '{"userId":"guess-num","event":"Order_Confirmation","properties":{"total":1e309}}');
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([{ path: 'properties.total', message: expect.stringMatching(/1e309 is beyond what a JSON number can carry/) }]);
    expect(await eventsOf('guess-num')).toHaveLength(0);
  });

  it('refuses 12345678901234567890, which would lose digits, with its index in a batch', async () => {
    const body = '{"batch":[{"type":"track","userId":"guess-num","event":"Cart_Viewed"},' + '{"type":"identify","userId":"guess-num","traits":{"accounts":[1,12345678901234567890]}}]}';
    const result = await itinera.ingestion.post('/v1/batch', body);
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([{ index: 1, path: 'traits.accounts.1', message: expect.stringMatching(/12345678901234567890 has more digits .* send it as a string/) }]);
    expect(await eventsOf('guess-num')).toHaveLength(0);
  });

  it('keeps numbers that survive as sent: large exact ones, exponents, fractions', async () => {
    const body = '{"userId":"exact-num","event":"Order_Confirmation","properties":{"big":9007199254740992,"exp":1.5e300,"price":55.34,"neg":-12.5e-3,"key\\"s":1152921504606846976}}';
    expect((await itinera.ingestion.post('/v1/track', body)).status).toBe(200);
    const [stored] = await eventsOf('exact-num');
    expect(stored.properties).toEqual({ big: 9007199254740992, exp: 1.5e300, price: 55.34, neg: -0.0125, 'key"s': 1152921504606846976 });
  });
});
