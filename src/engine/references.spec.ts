import { referencesOf } from './references';
import { applicationAbandonment, cartModifiedFlow } from './seed-events.fixture';

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
