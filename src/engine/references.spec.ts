import { eventsReadBy, referencesOf } from './references';
import { applicationAbandonment, cartModifiedFlow, endStep, journey } from './seed-events.fixture';

describe('referencesOf', () => {
  it('lists the destinations a journey sends to and the events that can move it, from each step type', () => {
    expect(referencesOf(applicationAbandonment())).toEqual({
      destinationIds: ['dest-email'],
      events: expect.arrayContaining(['Application_Started', 'Application_Completed']),
    });
  });

  it('counts a hold step’s update events too', () => {
    expect(referencesOf(cartModifiedFlow()).events).toEqual(expect.arrayContaining(['Cart_Modified']));
  });
});

describe('eventsReadBy', () => {
  it('is the union of the journeys\' trigger, hold, exit and goal events, and reads every event only when a step does not name its events', () => {
    const read = eventsReadBy([
      applicationAbandonment(),
      cartModifiedFlow(),
      journey('Order Completed', [endStep], { exit: [{ event: 'Unsubscribed', filters: [] }], goal: { match: { event: 'Review Written', filters: [] } } }),
    ]);
    expect(read.every).toBe(false);
    expect([...read.names].sort()).toEqual(
      expect.arrayContaining(['Application_Started', 'Application_Completed', 'Cart_Modified', 'Order Completed', 'Unsubscribed', 'Review Written']),
    );
    expect(read.names.has('Product Viewed')).toBe(false);
  });

  it('reads every event for a step type it does not know', () => {
    const unknown = journey('Signed Up', [{ key: 'x', name: 'X', type: 'FROM_A_NEWER_RELEASE' } as never]);
    expect(eventsReadBy([unknown]).every).toBe(true);
    expect(eventsReadBy([]).every).toBe(false);
  });
});
