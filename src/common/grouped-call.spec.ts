import { eachAloneOnFailure } from './grouped-call';

describe('eachAloneOnFailure', () => {
  it('sends the group once when it succeeds', async () => {
    const calls: number[][] = [];
    await eachAloneOnFailure([1, 2, 3], async (items) => void calls.push(items));
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('sends each item alone after the group fails, so only the bad item fails', async () => {
    const written: number[] = [];
    const bad: number[] = [];
    const send = async (items: number[]) => {
      if (items.includes(2)) throw new Error('cannot store item 2');
      written.push(...items);
    };
    await expect(eachAloneOnFailure([1, 2, 3], send, (item) => bad.push(item))).rejects.toThrow('cannot store item 2');
    expect(written).toEqual([1, 3]);
    expect(bad).toEqual([2]);
  });
});
