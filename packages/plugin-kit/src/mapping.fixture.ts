/**
 * Fixtures of the mapping language: valid mappings with the payload each builds from `fixtureContext`, and
 * invalid ones with every problem publishing reports. `mapping-directives.spec.ts` runs them all.
 */
import { sampleJourneyContext } from './testing';

/** Cart abandonment: the hold step `wait_for_checkout` captured Cart_Modified. */
export const fixtureContext = {
  ...sampleJourneyContext,
  entry: {
    event: 'Cart_Viewed',
    properties: {
      cart_ID: 'cart-123',
      coupon: '',
      items: [
        { productId: '001', name: 'T-Shirt', price: 55.34, tags: ['summer', 'cotton'] },
        { productId: '002', name: 'Jeans', price: 99.56 },
      ],
      single: { productId: '003', name: 'Socks' },
      settings: '{"locale":"fr","beta":true}',
      broken_json: '{"locale":',
    },
    timestamp: '2025-03-01T10:00:00.000Z',
    messageId: 'msg-1',
  },
  events: { wait_for_checkout: { event: 'Cart_Modified', properties: { total: 155 }, timestamp: '2025-03-01T10:20:00.000Z' } },
  traits: { email: 'Ada.Lovelace@Example.com', first_name: 'Ada', last_name: '', phone: '+33 6-12-34-56-78', nickname: null, plan: 'pro', address: { city: 'Lyon', geo: { lat: 45.76 } } },
};

export interface ValidFixture {
  name: string;
  mapping: unknown;
  /** What the mapping builds from `fixtureContext`; undefined when it resolves to nothing. */
  expected: unknown;
}

export interface InvalidFixture {
  name: string;
  mapping: unknown;
  /** Every problem, in order; a RegExp message matches. */
  problems: { path: string; message: string | RegExp }[];
}

export const VALID_MAPPINGS: ValidFixture[] = [
  // @if
  { name: '@if exists takes then', mapping: { '@if': { exists: { '@path': '$.traits.email' }, then: 'yes', else: 'no' } }, expected: 'yes' },
  { name: '@if exists takes else on a missing value', mapping: { '@if': { exists: { '@path': '$.traits.age' }, then: 'yes', else: 'no' } }, expected: 'no' },
  { name: '@if exists treats null as missing', mapping: { '@if': { exists: { '@path': '$.traits.nickname' }, then: 'yes', else: 'no' } }, expected: 'no' },
  { name: '@if exists keeps an empty string', mapping: { '@if': { exists: { '@path': '$.traits.last_name' }, then: 'yes', else: 'no' } }, expected: 'yes' },
  { name: '@if blank treats an empty string as missing', mapping: { '@if': { blank: { '@path': '$.traits.last_name' }, then: 'yes', else: 'no' } }, expected: 'no' },
  {
    name: '@if without the branch taken leaves its key out',
    mapping: { coupon: { '@if': { blank: { '@path': '$.entry.properties.coupon' }, then: { '@path': '$.entry.properties.coupon' } } }, kept: 1 },
    expected: { kept: 1 },
  },
  {
    name: '@if branches are mappings',
    mapping: { '@if': { exists: { '@path': '$.traits.nickname' }, then: { '@path': '$.traits.nickname' }, else: { '@template': '{{traits.first_name}}!' } } },
    expected: 'Ada!',
  },
  // @case
  { name: '@case lower', mapping: { '@case': { operator: 'lower', value: { '@path': '$.traits.email' } } }, expected: 'ada.lovelace@example.com' },
  { name: '@case upper', mapping: { '@case': { operator: 'upper', value: { '@path': '$.traits.plan' } } }, expected: 'PRO' },
  { name: '@case passes a number through', mapping: { '@case': { operator: 'upper', value: { '@path': '$.events.wait_for_checkout.properties.total' } } }, expected: 155 },
  { name: '@case of a missing value is missing', mapping: { x: { '@case': { operator: 'upper', value: { '@path': '$.traits.age' } } } }, expected: {} },
  // @replace
  { name: '@replace every occurrence by default', mapping: { '@replace': { pattern: '-', replacement: '', value: { '@path': '$.traits.phone' } } }, expected: '+33 612345678' },
  { name: '@replace only the first with global false', mapping: { '@replace': { pattern: '-', replacement: '.', global: false, value: { '@path': '$.traits.phone' } } }, expected: '+33 6.12-34-56-78' },
  { name: '@replace takes the pattern literally', mapping: { '@replace': { pattern: '.', replacement: '$&!', value: 'a.b.c' } }, expected: 'a$&!b$&!c' },
  { name: '@replace ignorecase', mapping: { '@replace': { pattern: 'example', replacement: 'test', ignorecase: true, value: { '@path': '$.traits.email' } } }, expected: 'Ada.Lovelace@test.com' },
  { name: '@replace without replacement removes', mapping: { '@replace': { pattern: ' ', value: { '@path': '$.traits.phone' } } }, expected: '+336-12-34-56-78' },
  { name: '@replace a second pattern', mapping: { '@replace': { pattern: ' ', replacement: '', pattern2: '-', replacement2: '', value: { '@path': '$.traits.phone' } } }, expected: '+33612345678' },
  { name: '@replace in a number, as text', mapping: { '@replace': { pattern: '5', replacement: '6', value: { '@path': '$.events.wait_for_checkout.properties.total' } } }, expected: '166' },
  // @arrayPath
  {
    name: '@arrayPath maps each element through the item shape',
    mapping: { '@arrayPath': ['$.entry.properties.items', { id: { '@path': '$.productId' }, label: { '@template': '{{name}} ({{price}})' }, currency: 'EUR' }] },
    expected: [
      { id: '001', label: 'T-Shirt (55.34)', currency: 'EUR' },
      { id: '002', label: 'Jeans (99.56)', currency: 'EUR' },
    ],
  },
  {
    name: '@arrayPath without a shape is the array',
    mapping: { '@arrayPath': ['$.entry.properties.items[0].tags'] },
    expected: ['summer', 'cotton'],
  },
  {
    name: '@arrayPath treats an object as an array of one',
    mapping: { '@arrayPath': ['$.entry.properties.single', { id: { '@path': '$.productId' } }] },
    expected: [{ id: '003' }],
  },
  { name: '@arrayPath of a missing array is missing', mapping: { items: { '@arrayPath': ['$.entry.properties.nothing', { id: { '@path': '$.productId' } }] } }, expected: {} },
  {
    name: '@arrayPath nests, each shape reading its own element',
    mapping: { '@arrayPath': ['$.entry.properties.items', { tags: { '@arrayPath': ['$.tags', { tag: { '@case': { operator: 'upper', value: { '@path': '$' } } } }] } }] },
    expected: [{ tags: [{ tag: 'SUMMER' }, { tag: 'COTTON' }] }, {}],
  },
  {
    name: '@arrayPath reads its source from a directive',
    mapping: { '@arrayPath': [{ '@json': { mode: 'decode', value: '[{"n":1},{"n":2}]' } }, { value: { '@path': '$.n' } }] },
    expected: [{ value: 1 }, { value: 2 }],
  },
  // @merge
  {
    name: '@merge: later objects win by default',
    mapping: { '@merge': { objects: [{ '@path': '$.traits.address' }, { city: 'Paris', zip: '75001' }] } },
    expected: { city: 'Paris', geo: { lat: 45.76 }, zip: '75001' },
  },
  {
    name: '@merge left: earlier objects win',
    mapping: { '@merge': { direction: 'left', objects: [{ '@path': '$.traits.address' }, { city: 'Paris', zip: '75001' }] } },
    expected: { city: 'Lyon', geo: { lat: 45.76 }, zip: '75001' },
  },
  { name: '@merge skips values that are not objects', mapping: { '@merge': { objects: [{ '@path': '$.traits.missing' }, 'text', { a: 1 }] } }, expected: { a: 1 } },
  // @json
  { name: '@json encode', mapping: { '@json': { mode: 'encode', value: { '@path': '$.traits.address' } } }, expected: '{"city":"Lyon","geo":{"lat":45.76}}' },
  { name: '@json decode', mapping: { '@json': { mode: 'decode', value: { '@path': '$.entry.properties.settings' } } }, expected: { locale: 'fr', beta: true } },
  { name: '@json decode of text that is not JSON is missing', mapping: { s: { '@json': { mode: 'decode', value: { '@path': '$.entry.properties.broken_json' } } } }, expected: {} },
  // @literal
  { name: '@literal keeps directive-like keys and placeholders as written', mapping: { '@literal': { '@type': 'Person', greeting: '{{not a placeholder}}' } }, expected: { '@type': 'Person', greeting: '{{not a placeholder}}' } },
  { name: '@literal of a scalar', mapping: { '@literal': true }, expected: true },
  // @flatten
  {
    name: '@flatten joins nested keys with "."',
    mapping: { '@flatten': { value: { '@path': '$.traits.address' } } },
    expected: { city: 'Lyon', 'geo.lat': 45.76 },
  },
  {
    name: '@flatten with another separator, through arrays',
    mapping: { '@flatten': { separator: '_', value: { tags: { '@path': '$.entry.properties.items[0].tags' }, user: { id: { '@path': '$.userId' } } } } },
    expected: { tags_0: 'summer', tags_1: 'cotton', user_id: '88' },
  },
  { name: '@flatten passes a scalar through', mapping: { '@flatten': { value: { '@path': '$.userId' } } }, expected: '88' },
  // template default
  { name: 'template default for a missing trait', mapping: { '@template': 'Hi {{traits.nick | default: "there"}}, …' }, expected: 'Hi there, …' },
  { name: 'template default for null and empty text', mapping: { '@template': "{{traits.nickname | default: 'friend'}}/{{traits.last_name|default:\"-\"}}" }, expected: 'friend/-' },
  { name: 'template default unused when the value exists', mapping: { '@template': 'Hi {{ traits.first_name | default: "there" }}' }, expected: 'Hi Ada' },
  { name: 'template default with escapes and a |', mapping: { '@template': '{{traits.x | default: "a \\"b\\" | c"}}' }, expected: 'a "b" | c' },
  // together
  {
    name: 'directives compose',
    mapping: {
      to: { '@case': { operator: 'lower', value: { '@path': '$.traits.email' } } },
      name: { '@if': { blank: { '@path': '$.traits.last_name' }, then: { '@template': '{{traits.first_name}} {{traits.last_name}}' }, else: { '@path': '$.traits.first_name' } } },
      data: { '@merge': { objects: [{ '@flatten': { value: { '@path': '$.traits.address' } } }, { cart: { '@path': '$.entry.properties.cart_ID' } }] } },
    },
    expected: { to: 'ada.lovelace@example.com', name: 'Ada', data: { city: 'Lyon', 'geo.lat': 45.76, cart: 'cart-123' } },
  },
];

export const INVALID_MAPPINGS: InvalidFixture[] = [
  { name: 'an unknown directive', mapping: { x: { '@iff': {} } }, problems: [{ path: 'x', message: /^@iff is not a mapping directive; use one of @path, @template, @if, / }] },
  { name: 'a directive with another key', mapping: { '@case': { operator: 'lower', value: 'A' }, also: 1 }, problems: [{ path: '', message: 'a @case object must have no other keys, found "also"' }] },
  { name: '@if that is not an object', mapping: { '@if': 'yes' }, problems: [{ path: '', message: '@if must be an object with the keys exists?, blank?, then?, else?' }] },
  {
    name: '@if with no condition and no branch',
    mapping: { '@if': {} },
    problems: [
      { path: '', message: '@if needs exactly one condition, "exists" or "blank"' },
      { path: '', message: '@if needs a "then" or an "else" branch' },
    ],
  },
  {
    name: '@if with both conditions, an unknown option and bad branches',
    mapping: { '@if': { exists: { '@path': '$.userId' }, blank: { '@path': '$.userId' }, then: { '@path': 'traits.email' }, else: { '@path': '$.trait.email' } } },
    problems: [
      { path: '', message: '@if needs exactly one condition, "exists" or "blank", not both' },
      { path: '@if.then', message: /^@path "traits.email" must start with "\$\."/ },
      { path: '@if.else', message: /^\$\.trait\.email: the journey context has no "trait"/ },
    ],
  },
  { name: '@if with an unknown option', mapping: { '@if': { exists: 1, then: 1, otherwise: 2 } }, problems: [{ path: '', message: '@if has the unknown option "otherwise" (options: exists, blank, then, else)' }] },
  {
    name: '@case without operator, and a bad value',
    mapping: { name: { '@case': { value: { '@template': '{{' } } } },
    problems: [
      { path: 'name', message: '@case needs "operator"' },
      { path: 'name.@case.value', message: /unclosed \{\{/ },
    ],
  },
  { name: '@case with an unknown operator', mapping: { '@case': { operator: 'title', value: 'x' } }, problems: [{ path: '', message: '@case operator must be one of "lower", "upper", got "title"' }] },
  {
    name: '@replace with every option wrong',
    mapping: { '@replace': { pattern: '', replacement: 1, ignorecase: 'yes', global: 0, value: 'x' } },
    problems: [
      { path: '', message: '@replace pattern must be a non-empty string, got ""' },
      { path: '', message: '@replace replacement must be a string, got 1' },
      { path: '', message: '@replace ignorecase must be true or false, got "yes"' },
      { path: '', message: '@replace global must be true or false, got 0' },
    ],
  },
  {
    name: '@replace without pattern or value',
    mapping: { '@replace': { replacement: 'x' } },
    problems: [
      { path: '', message: '@replace needs "pattern"' },
      { path: '', message: '@replace needs "value"' },
    ],
  },
  { name: '@replace with replacement2 and no pattern2', mapping: { '@replace': { pattern: 'a', value: 'a', replacement2: 'b' } }, problems: [{ path: '', message: '@replace has "replacement2" without "pattern2"' }] },
  { name: '@arrayPath that is not an array', mapping: { '@arrayPath': '$.entry.properties.items' }, problems: [{ path: '', message: '@arrayPath must be ["$.path.to.array"] or ["$.path.to.array", {item shape}]' }] },
  {
    name: '@arrayPath with a bad source and a bad shape',
    mapping: { '@arrayPath': [42, 'shape'] },
    problems: [
      { path: '@arrayPath[1]', message: '@arrayPath item shape must be an object of mappings' },
      { path: '@arrayPath[0]', message: '@arrayPath source must be a "$." path or a directive' },
    ],
  },
  {
    name: '@arrayPath source outside the context, and a malformed path in its shape',
    mapping: { '@arrayPath': ['$.entry.propertes.items', { id: { '@path': 'productId' } }] },
    problems: [
      { path: '@arrayPath[1].id', message: /^@path "productId" must start with "\$\."/ },
      { path: '@arrayPath[0]', message: /^\$\.entry\.propertes\.items: entry has no "propertes"/ },
    ],
  },
  { name: '@merge without objects', mapping: { '@merge': { direction: 'up' } }, problems: [{ path: '', message: '@merge needs "objects"' }, { path: '', message: '@merge direction must be one of "left", "right", got "up"' }] },
  {
    name: '@merge with a bad direction still checks its objects',
    mapping: { '@merge': { direction: 'up', objects: [{ '@path': 'traits' }] } },
    problems: [
      { path: '', message: '@merge direction must be one of "left", "right", got "up"' },
      { path: '@merge.objects[0]', message: /^@path "traits" must start with "\$\."/ },
    ],
  },
  {
    name: '@case with a bad operator at the root still checks its value at @case.value',
    mapping: { '@case': { operator: 'title', value: { '@template': '{{' } } },
    problems: [
      { path: '', message: '@case operator must be one of "lower", "upper", got "title"' },
      { path: '@case.value', message: /unclosed \{\{/ },
    ],
  },
  { name: '@merge objects not an array', mapping: { '@merge': { objects: { a: 1 } } }, problems: [{ path: '', message: '@merge objects must be an array of mappings' }] },
  { name: '@merge with a bad object', mapping: { '@merge': { objects: [{ '@path': '$' }] } }, problems: [{ path: '@merge.objects[0]', message: /^@path "\$" must name a value/ }] },
  { name: '@json with an unknown mode', mapping: { '@json': { mode: 'parse', value: 'x' } }, problems: [{ path: '', message: '@json mode must be one of "encode", "decode", got "parse"' }] },
  { name: '@literal of something that is not JSON', mapping: { '@literal': { n: Number.NaN } }, problems: [{ path: '', message: '@literal must hold finite numbers only' }] },
  { name: '@flatten with a bad separator and no value', mapping: { '@flatten': { separator: 1 } }, problems: [{ path: '', message: '@flatten needs "value"' }, { path: '', message: '@flatten separator must be a string, got 1' }] },
  { name: 'template with an unknown filter', mapping: { '@template': 'Hi {{traits.first_name | upcase}}' }, problems: [{ path: '', message: '@template placeholder {{traits.first_name | upcase}} uses the unknown filter "upcase"; the only filter is | default: "text"' }] },
  { name: 'template default without quotes', mapping: { '@template': 'Hi {{traits.first_name | default: there}}' }, problems: [{ path: '', message: /has a malformed default; write \| default: "text"/ }] },
  { name: 'template default on a bad path', mapping: { '@template': 'Hi {{trait.first_name | default: "there"}}' }, problems: [{ path: '', message: /^trait\.first_name: the journey context has no "trait"/ }] },
  {
    name: 'every problem of a mapping, each at its own path',
    mapping: {
      to: { '@case': { operator: 'lowercase', value: { '@path': '$.traits.email' } } },
      name: { '@if': { exists: { '@path': '$.traits.nick' } } },
      items: { '@arrayPath': ['$.entry.properties.items', { id: { '@pth': '$.productId' } }] },
      greeting: { '@template': 'Hi {{traits.first_name | default "there"}}' },
    },
    problems: [
      { path: 'to', message: '@case operator must be one of "lower", "upper", got "lowercase"' },
      { path: 'name', message: '@if needs a "then" or an "else" branch' },
      { path: 'items.@arrayPath[1].id', message: /^@pth is not a mapping directive/ },
      { path: 'greeting', message: /\{\{traits\.first_name \| default "there"\}\} has a malformed default/ },
    ],
  },
];
