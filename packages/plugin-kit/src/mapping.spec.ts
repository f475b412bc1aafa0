import { checkMappingPaths, evaluateMapping, MAPPING_LIMITS, mappingPaths } from './mapping';
import { sampleJourneyContext } from './testing';

// Cart abandonment with a timer-resetting hold: the hold step `wait_for_checkout` captured Cart_Modified.
const context = {
  ...sampleJourneyContext,
  entry: {
    event: 'Cart_Viewed',
    properties: {
      cart_ID: '123',
      checkout_cart: [
        { productId: '001', productName: 'T-Shirt', productPrice: '$55.34' },
        { productId: '002', productName: 'Jeans', productPrice: '$99.56' },
      ],
      'Product Name': 'T-Shirt',
    },
    timestamp: '2025-03-01T10:00:00.000Z',
    messageId: 'msg-1',
  },
  events: {
    wait_for_checkout: { event: 'Cart_Modified', properties: { cart_ID: '123', total: 155 }, timestamp: '2025-03-01T10:20:00.000Z' },
  },
  traits: { email: 'ada@example.com', first_name: 'Ada', ltv: 0, vip: false, nickname: null, address: { city: 'Lyon' } },
};

const evaluate = (mapping: unknown) => evaluateMapping(mapping, context);

describe('evaluateMapping', () => {
  describe('literals', () => {
    it.each([['text'], [42], [true], [false], [null], [{ a: 1, b: [1, 'two', null] }]])('copies %j as it is', (literal) => {
      expect(evaluate(literal)).toEqual({ value: literal, problems: [] });
    });

    it('keeps a string that looks like a path as a plain string', () => {
      expect(evaluate({ note: '$.traits.email' }).value).toEqual({ note: '$.traits.email' });
    });
  });

  describe('@path', () => {
    it('reads a value from the journey context', () => {
      expect(evaluate({ email: { '@path': '$.traits.email' } })).toEqual({ value: { email: 'ada@example.com' }, problems: [] });
    });

    it('reads what a hold step captured, under events.<stepKey>', () => {
      expect(evaluate({ '@path': '$.events.wait_for_checkout.properties.total' }).value).toBe(155);
    });

    it('reads array elements by index, with [0] or .0', () => {
      expect(evaluate({ '@path': '$.entry.properties.checkout_cart[1].productName' }).value).toBe('Jeans');
      expect(evaluate({ '@path': '$.entry.properties.checkout_cart.0.productName' }).value).toBe('T-Shirt');
    });

    it('reads keys with spaces through ["..."] or [\'...\']', () => {
      expect(evaluate({ '@path': '$.entry.properties["Product Name"]' }).value).toBe('T-Shirt');
      expect(evaluate({ '@path': "$.entry['properties']['Product Name']" }).value).toBe('T-Shirt');
    });

    it('returns whole objects and arrays, as copies the payload can change freely', () => {
      const { value } = evaluate({ '@path': '$.traits.address' });
      expect(value).toEqual({ city: 'Lyon' });
      (value as { city: string }).city = 'Paris';
      expect(context.traits.address.city).toBe('Lyon');
    });

    it('keeps falsy values: 0, false and null are values, not missing', () => {
      expect(evaluate({ ltv: { '@path': '$.traits.ltv' }, vip: { '@path': '$.traits.vip' }, nick: { '@path': '$.traits.nickname' } }).value).toEqual({
        ltv: 0,
        vip: false,
        nick: null,
      });
    });

    it('leaves a key out of its object when the path finds nothing', () => {
      const { value, problems } = evaluate({ email: { '@path': '$.traits.email' }, phone: { '@path': '$.traits.phone' } });
      expect(value).toEqual({ email: 'ada@example.com' });
      expect(value).not.toHaveProperty('phone');
      expect(problems).toEqual([]);
    });

    it('leaves an element out of its array when the path finds nothing', () => {
      expect(evaluate([{ '@path': '$.traits.phone' }, { '@path': '$.traits.email' }]).value).toEqual(['ada@example.com']);
    });

    it('finds nothing past the end of an array or through a plain value', () => {
      expect(evaluate({ '@path': '$.entry.properties.checkout_cart[5]' }).value).toBeUndefined();
      expect(evaluate({ '@path': '$.traits.email.length' }).value).toBeUndefined();
    });

    it('never reaches inherited properties such as constructor or __proto__', () => {
      expect(evaluate({ '@path': '$.traits.constructor' }).value).toBeUndefined();
      expect(evaluate({ '@path': '$.traits.__proto__' }).value).toBeUndefined();
      expect(evaluate({ '@path': '$.entry.properties.checkout_cart.length' }).value).toBeUndefined();
    });
  });

  describe('@template', () => {
    it('fills {{path}} placeholders from the context root, without $.', () => {
      expect(evaluate({ '@template': 'Hi {{traits.first_name}}, your cart {{ entry.properties.cart_ID }} is waiting' }).value).toBe(
        'Hi Ada, your cart 123 is waiting',
      );
    });

    it('renders numbers and booleans as text, objects as JSON, and missing or null values as empty', () => {
      expect(
        evaluate({ '@template': '{{events.wait_for_checkout.properties.total}}|{{traits.vip}}|{{traits.address}}|{{traits.phone}}|{{traits.nickname}}' })
          .value,
      ).toBe('155|false|{"city":"Lyon"}||');
    });

    it('reads array elements and bracketed keys like @path', () => {
      expect(evaluate({ '@template': '{{entry.properties.checkout_cart[0].productName}} / {{entry.properties["Product Name"]}}' }).value).toBe(
        'T-Shirt / T-Shirt',
      );
    });

    it('returns text without placeholders unchanged, single braces included', () => {
      expect(evaluate({ '@template': 'no {placeholders} here }}' }).value).toBe('no {placeholders} here }}');
    });
  });

  describe('nesting', () => {
    it('evaluates directives at any depth inside objects and arrays', () => {
      const mapping = {
        data: {
          user: { id: { '@path': '$.userId' }, greeting: { '@template': 'Hi {{traits.first_name}}' } },
          items: [{ name: { '@path': '$.entry.properties.checkout_cart[0].productName' }, qty: 1 }, 'literal'],
          source: 'itinera',
        },
      };
      expect(evaluate(mapping)).toEqual({
        value: { data: { user: { id: '88', greeting: 'Hi Ada' }, items: [{ name: 'T-Shirt', qty: 1 }, 'literal'], source: 'itinera' } },
        problems: [],
      });
    });

    it('treats a key named __proto__ as an ordinary key', () => {
      const mapping = JSON.parse('{"__proto__": {"polluted": {"@path": "$.userId"}}}');
      const value = evaluate(mapping).value as Record<string, unknown>;
      expect(Object.getOwnPropertyNames(value)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('refuses mappings nested deeper than 64 levels instead of exhausting the stack', () => {
      let deep: unknown = 'leaf';
      for (let i = 0; i < 10_000; i++) deep = [deep];
      const { problems } = evaluate(deep);
      expect(problems).toHaveLength(1);
      expect(problems[0].message).toMatch(/nested deeper than 64 levels/);
    });
  });

  describe('bad directives', () => {
    it.each([
      [{ '@path': '$.traits.email', fallback: 'x' }, '', 'a @path object must have no other keys, found "fallback"'],
      [{ '@path': '$.userId', '@template': 'x' }, '', 'a @path object must have no other keys, found "@template"'],
      [{ '@path': 42 }, '', '@path must be a string'],
      [{ '@template': ['a'] }, '', '@template must be a string'],
      [{ '@iff': { exists: true } }, '', '@iff is not a mapping directive; use one of @path, @template, @if, @case, @replace, @arrayPath, @merge, @json, @literal, @flatten'],
    ])('reports %j', (mapping, path, message) => {
      expect(evaluate(mapping)).toEqual({ value: undefined, problems: [{ path, message }] });
    });

    it.each([
      ['traits.email', /must start with "\$\."/],
      ['$traits', /must start with "\$\."/],
      ['$', /must name a value/],
      ['$.traits..email', /wildcard or recursive descent/],
      ['$.entry.properties.checkout_cart[*].productName', /wildcard/],
      ['$.entry.properties.checkout_cart[first]', /malformed \[\.\.\.\]/],
      ['$.traits.', /empty or invalid name/],
      ['$.traits.first name', /unexpected " "/],
    ])('reports the malformed @path %j', (expression, message) => {
      const { value, problems } = evaluate({ data: { x: { '@path': expression } } });
      expect(value).toEqual({ data: {} });
      expect(problems).toEqual([{ path: 'data.x', message: expect.stringMatching(message) }]);
    });

    it.each([
      ['Hi {{traits.first_name', /unclosed \{\{/],
      ['Hi {{}}', /placeholder \{\{\}\} is empty/],
      ['Hi {{$.traits.first_name}}', /without "\$\.", e\.g\. \{\{traits\.first_name\}\}/],
      ['Hi {{traits[}}', /malformed/],
    ])('reports the malformed template %j', (template, message) => {
      expect(evaluate({ subject: { '@template': template } }).problems).toEqual([{ path: 'subject', message: expect.stringMatching(message) }]);
    });

    it('reports every bad directive, each at its own path, and still evaluates the rest', () => {
      const { value, problems } = evaluate({
        email: { '@path': '$.traits.email' },
        items: [{ '@path': 'userId' }, { name: { '@template': '{{' } }],
        'first name': { '@paht': '$.traits.first_name' },
      });
      expect(value).toEqual({ email: 'ada@example.com', items: [{}] });
      expect(problems.map((p) => p.path)).toEqual(['items[0]', 'items[1].name', '["first name"]']);
    });

    it('reports values that are not JSON', () => {
      expect(evaluate({ when: new Date(0), n: Number.NaN }).problems).toEqual([
        { path: 'when', message: 'is not JSON' },
        { path: 'n', message: 'must be a finite number' },
      ]);
    });
  });
});

describe('mappingPaths', () => {
  it('lists every @path and template placeholder with where it sits and its segments', () => {
    const mapping = {
      data: {
        email: { '@path': '$.traits.email' },
        subject: { '@template': 'Hi {{traits.first_name}}, total {{events.wait_for_checkout.properties.total}}' },
        items: [{ '@path': '$.entry.properties.checkout_cart[0]' }],
      },
    };
    expect(mappingPaths(mapping)).toEqual([
      { at: 'data.email', directive: '@path', expression: '$.traits.email', segments: ['traits', 'email'] },
      { at: 'data.subject', directive: '@template', expression: 'traits.first_name', segments: ['traits', 'first_name'] },
      {
        at: 'data.subject',
        directive: '@template',
        expression: 'events.wait_for_checkout.properties.total',
        segments: ['events', 'wait_for_checkout', 'properties', 'total'],
      },
      { at: 'data.items[0]', directive: '@path', expression: '$.entry.properties.checkout_cart[0]', segments: ['entry', 'properties', 'checkout_cart', 0] },
    ]);
  });

  it('lists nothing for a mapping of literals, and skips malformed directives', () => {
    expect(mappingPaths({ a: 1, b: ['x'], c: { '@path': 'no-dollar' } })).toEqual([]);
  });
});

describe('checkMappingPaths', () => {
  it('accepts paths into every part of the journey context', () => {
    const mapping = {
      user: { '@path': '$.userId' },
      journey: { '@path': '$.journey.version' },
      unique: { '@path': '$.instance.uniqueId' },
      event: { '@path': '$.entry.event' },
      anything: { '@path': '$.entry.properties.a.b[3].c' },
      captured: { '@path': '$.events.any_hold_key.properties.total' },
      trait: { '@template': '{{traits.deeply.nested}}' },
      whole: { '@path': '$.traits' },
    };
    expect(checkMappingPaths(mapping)).toEqual([]);
  });

  it('reports a path whose first segment is not a context root key', () => {
    expect(checkMappingPaths({ email: { '@path': '$.trait.email' } })).toEqual([
      {
        path: 'email',
        message: '$.trait.email: the journey context has no "trait"; paths start with userId, journey, instance, entry, events, traits',
      },
    ]);
  });

  it('reports template placeholders with unknown roots too', () => {
    expect(checkMappingPaths({ subject: { '@template': 'Hi {{profile.first_name}}' } })).toEqual([
      { path: 'subject', message: expect.stringContaining('profile.first_name: the journey context has no "profile"') },
    ]);
  });

  it('reports paths that cannot exist inside the fixed parts of the context', () => {
    expect(
      checkMappingPaths({
        a: { '@path': '$.entry.propertes.total' },
        b: { '@path': '$.userId.name' },
        c: { '@path': '$.events.hold.payload' },
        d: { '@path': '$.events[0]' },
      }).map((p) => p.message),
    ).toEqual([
      '$.entry.propertes.total: entry has no "propertes" (it has event, properties, timestamp, messageId)',
      '$.userId.name: userId is a single value with nothing inside',
      '$.events.hold.payload: events.hold has no "payload" (it has event, properties, timestamp)',
      '$.events[0]: events is keyed by step key, not by position',
    ]);
  });

  it('reports syntactically bad directives as well', () => {
    expect(checkMappingPaths({ a: { '@path': 'traits.email' }, b: { '@template': '{{' } })).toEqual([
      { path: 'a', message: expect.stringContaining('must start with "$."') },
      { path: 'b', message: expect.stringContaining('unclosed {{') },
    ]);
  });
});

describe('mapping limits', () => {
  const bigEntry = { ...context, entry: { ...context.entry, properties: { blob: 'x'.repeat(40_000) } } };

  it('refuses a mapping with more directives than the limit before evaluating any', () => {
    const mapping = { data: Object.fromEntries(Array.from({ length: MAPPING_LIMITS.maxDirectives + 1 }, (_, i) => [`k${i}`, { '@path': '$.userId' }])) };
    const { value, problems } = evaluateMapping(mapping, context);
    expect(value).toBeUndefined();
    expect(problems).toEqual([{ path: '', message: expect.stringMatching(/more than 500 directives/) }]);
    expect(checkMappingPaths(mapping)).toEqual(problems);
  });

  it('refuses a mapping larger than its JSON size limit', () => {
    const { problems } = evaluateMapping({ data: { note: 'y'.repeat(MAPPING_LIMITS.maxMappingBytes) } }, context);
    expect(problems).toEqual([{ path: '', message: 'is larger than 64 KB of JSON' }]);
  });

  it('stops at the path that makes the payload larger than its limit, without building the rest', () => {
    // 300 references to a 40 KB entry: 12 MB once copied, as a mapping of a few KB.
    const mapping = { data: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`copy${i}`, { '@path': '$.entry' }])) };
    const { value, problems } = evaluateMapping(mapping, bigEntry);
    expect(value).toBeUndefined();
    expect(problems).toEqual([{ path: 'data.copy6', message: expect.stringMatching(/makes the mapped payload larger than 256 KB of JSON/) }]);
  });

  it('counts an object a template renders as JSON against the payload limit', () => {
    const mapping = { data: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`t${i}`, { '@template': 'entry: {{entry}}' }])) };
    const { problems } = evaluateMapping(mapping, bigEntry);
    expect(problems).toEqual([{ path: 'data.t6', message: expect.stringMatching(/larger than 256 KB/) }]);
  });

  it('builds a payload just under the limit', () => {
    const mapping = { data: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`copy${i}`, { '@path': '$.entry' }])) };
    const { value, problems } = evaluateMapping(mapping, bigEntry);
    expect(problems).toEqual([]);
    expect(Object.keys((value as { data: object }).data)).toHaveLength(5);
  });
});
