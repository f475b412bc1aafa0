import { INVALID_MAPPINGS, VALID_MAPPINGS, fixtureContext, type InvalidFixture } from './mapping.fixture';
import { checkMappingPaths, evaluateMapping, MAPPING_LIMITS, mappingPaths } from './mapping';

const expectedProblems = (problems: InvalidFixture['problems']) =>
  problems.map(({ path, message }) => ({ path, message: typeof message === 'string' ? message : expect.stringMatching(message) }));

describe('mapping fixtures', () => {
  describe.each(VALID_MAPPINGS)('valid: $name', ({ mapping, expected }) => {
    it('builds the expected payload', () => {
      expect(evaluateMapping(mapping, fixtureContext)).toEqual({ value: expected, problems: [] });
    });

    it('passes publish-time checks', () => {
      expect(checkMappingPaths(mapping)).toEqual([]);
    });
  });

  describe.each(INVALID_MAPPINGS)('invalid: $name', ({ mapping, problems }) => {
    it('is refused at publish time with every problem listed', () => {
      expect(checkMappingPaths(mapping)).toEqual(expectedProblems(problems));
    });

    it('fails a delivery with the same syntax problems (context paths are checked at publish only)', () => {
      const syntax = problems.filter(({ message }) => !/the journey context has no|has no "/.test(String(message)));
      expect(evaluateMapping(mapping, fixtureContext).problems).toEqual(expectedProblems(syntax));
    });
  });
});

describe('directives and the payload limit', () => {
  const big = { ...fixtureContext, traits: { ...fixtureContext.traits, blob: 'x'.repeat(40_000) } };

  it('counts what @if builds, not its condition', () => {
    const branch = { '@if': { exists: { '@path': '$.traits.blob' }, then: 'small' } };
    const mapping = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, branch]));
    expect(evaluateMapping(mapping, big).problems).toEqual([]);
  });

  it('stops a @replace that would grow a value past the limit before building it', () => {
    const mapping = { '@replace': { pattern: 'x', replacement: 'y'.repeat(100), value: { '@path': '$.traits.blob' } } };
    expect(evaluateMapping(mapping, big)).toEqual({ value: undefined, problems: [{ path: '', message: expect.stringMatching(/larger than 256 KB/) }] });
  });

  it('stops a @flatten whose repeated key paths pass the limit', () => {
    // 2 000 levels, one value at each: the nested object is ~30 KB, its flat form ~20 MB of keys.
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 2000; i++) {
      deep.v = i;
      deep = deep.next = {} as Record<string, unknown>;
    }
    const context = { ...fixtureContext, traits: { deep: root } };
    const { value, problems } = evaluateMapping({ '@flatten': { value: { '@path': '$.traits.deep' } } }, context);
    expect(value).toBeUndefined();
    expect(problems).toEqual([{ path: '', message: expect.stringMatching(/larger than 256 KB/) }]);
  });

  it('counts every element @arrayPath maps', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ id: i }));
    const context = { ...fixtureContext, entry: { ...fixtureContext.entry, properties: { items } } };
    const mapping = { '@arrayPath': ['$.entry.properties.items', { pad: 'p'.repeat(300), id: { '@path': '$.id' } }] };
    expect(evaluateMapping(mapping, context).problems).toEqual([{ path: '@arrayPath[1].pad', message: expect.stringMatching(/larger than 256 KB/) }]);
  });
});

describe('mappingPaths with directives', () => {
  it('lists context paths inside directives, and not the element paths of an @arrayPath shape', () => {
    const mapping = {
      a: { '@if': { exists: { '@path': '$.traits.email' }, then: { '@template': '{{traits.first_name | default: "x"}}' } } },
      b: { '@arrayPath': ['$.entry.properties.items', { id: { '@path': '$.productId' } }] },
    };
    expect(mappingPaths(mapping).map((p) => [p.at, p.directive, p.expression])).toEqual([
      ['a.@if.exists', '@path', '$.traits.email'],
      ['a.@if.then', '@template', 'traits.first_name'],
      ['b.@arrayPath[0]', '@arrayPath', '$.entry.properties.items'],
    ]);
  });
});
