import { DeliveryCapacity } from './delivery-capacity';

describe('DeliveryCapacity', () => {
  it('gives one destination at most its share, and frees a slot on release', () => {
    const capacity = new DeliveryCapacity({ perDestination: 2, perWorkspace: 10 });
    const first = capacity.tryTake('a', 'hanging');
    expect(capacity.tryTake('a', 'hanging')).not.toBeNull();
    expect(capacity.tryTake('a', 'hanging')).toBeNull();
    expect(capacity.tryTake('a', 'other')).not.toBeNull();
    first!();
    first!();
    expect(capacity.tryTake('a', 'hanging')).not.toBeNull();
    expect(capacity.tryTake('a', 'hanging')).toBeNull();
  });

  it('gives one workspace at most its share across its destinations, and other workspaces theirs', () => {
    const capacity = new DeliveryCapacity({ perDestination: 2, perWorkspace: 3 });
    expect([capacity.tryTake('a', 'd1'), capacity.tryTake('a', 'd1'), capacity.tryTake('a', 'd2')].every(Boolean)).toBe(true);
    expect(capacity.tryTake('a', 'd3')).toBeNull();
    expect(capacity.tryTake('b', 'd4')).not.toBeNull();
  });

  it('offers the next fetch a destination’s room only once a quarter of its share is free', () => {
    const capacity = new DeliveryCapacity({ perDestination: 8, perWorkspace: 100 });
    const releases = Array.from({ length: 8 }, () => capacity.tryTake('a', 'busy')!);
    const roomOf = () => capacity.shares()[0].free.get('busy');
    expect(roomOf()).toBe(0);
    releases[0]();
    expect(roomOf()).toBe(0);
    releases[1]();
    expect(roomOf()).toBe(2);
  });
});
