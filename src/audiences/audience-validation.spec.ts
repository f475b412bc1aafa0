import { validateAudienceInput } from './audience-validation';

describe('validateAudienceInput', () => {
  it('accepts the cart abandoners of seed 003 and fills in the defaults', () => {
    const result = validateAudienceInput({
      name: ' Cart abandoners ',
      condition: {
        performed: [
          { event: 'Product Added', atLeast: 1, within: 'P1D' },
          { event: 'Order Completed', atMost: 0, within: 'P1D' },
        ],
      },
    });
    expect(result).toEqual({
      problems: [],
      audience: {
        name: 'Cart abandoners',
        condition: {
          match: 'ALL',
          filters: [],
          performed: [
            { event: 'Product Added', filters: [], atLeast: 1, within: 'P1D' },
            { event: 'Order Completed', filters: [], atMost: 0, within: 'P1D' },
          ],
        },
      },
    });
  });

  it('reports every problem with its path: name, filter paths outside traits, operators, values, bounds and windows', () => {
    const { problems, audience } = validateAudienceInput({
      name: '',
      condition: {
        filters: [
          { path: 'properties.city', operator: 'EQUALS', values: ['Seattle'] },
          { path: 'traits.birth_year', operator: 'GT', values: ['after 1980'] },
          { path: 'traits.city', operator: 'EQUALS_ANY_OF', values: [] },
        ],
        performed: [
          { event: ' ', atLeast: 1 },
          { event: 'Order Completed', atLeast: 3, atMost: 1, within: '1 day' },
          { event: 'Product Added', atLeast: -1, filters: [{ path: 'price', operator: 'GT', values: [5] }] },
        ],
      },
    });
    expect(audience).toBeUndefined();
    expect(problems.map((p) => p.path)).toEqual([
      'name',
      'condition.filters[0].path',
      'condition.filters[1].values',
      'condition.filters[2].values',
      'condition.performed[0].event',
      'condition.performed[1].atLeast',
      'condition.performed[1].within',
      'condition.performed[2].filters[0].path',
      'condition.performed[2].atLeast',
    ]);
    expect(problems[1].message).toBe('audience filter path "properties.city" must start with traits. (an audience is a condition over profiles)');
  });

  it('refuses an empty condition', () => {
    expect(validateAudienceInput({ name: 'Everyone', condition: {} }).problems).toEqual([
      { path: 'condition', message: 'the audience needs at least one filter or performed clause in its condition' },
    ]);
  });
});
