// Tests: the --json report in pieces is byte for byte JSON.stringify(value, null, 2).
import fc from 'fast-check';
import { elementsText, elementText, jsonPieces } from '../bin/json-out';

const whole = (value: Record<string, unknown>) => [...jsonPieces(value)].join('\n');

describe('jsonPieces', () => {
  it.each([
    ['an empty object', {}],
    ['empty arrays and objects', { locks: [], tables: [], counts: {} }],
    ['left-out values', { a: undefined, b: () => 1, c: Symbol('x'), d: 1, locks: [undefined, () => 1, 2] }],
    [
      'strings with newlines, quotes, escapes and unicode',
      { locks: [{ who: 'a\nb', path: '"x"\\\u2028\u0000é😀', n: null }], warnings: ['line\r\nbreak'] },
    ],
    ['nested arrays in elements', { locks: [{ holder: { list: [1, [2, []], {}] } }, [], {}] }],
    ['numbers', { locks: [Number.NaN, -0, 1e21, 0.1], n: Number.POSITIVE_INFINITY }],
  ])('writes %s as JSON.stringify does', (_name, value) => {
    expect(whole(value as Record<string, unknown>)).toBe(JSON.stringify(value, null, 2));
  });

  it('cuts a long report into pieces of whole lines, and writes any JSON value as JSON.stringify does', () => {
    const locks = Array.from({ length: 3000 }, (_, i) => ({
      lockId: `acme/stack-${i}/terraform.tfstate`,
      i,
    }));
    const pieces = [...jsonPieces({ runId: 'r', locks, errors: 0 })];
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('\n')).toBe(JSON.stringify({ runId: 'r', locks, errors: 0 }, null, 2));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        expect(whole(value)).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 300 },
    );
  });
});

describe('elementsText', () => {
  it('writes a page of elements as elementText writes each, joined by a comma and a line break', () => {
    expect(elementsText([])).toBe('');
    const page = [
      { who: 'a\nb', path: '"x"\\\u2028é😀', holder: { list: [1, [2, []], {}] } },
      undefined,
      [],
      {},
      'e',
    ];
    expect(elementsText(page)).toBe(page.map(elementText).join(',\n'));
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1 }), (elements) => {
        expect(elementsText(elements)).toBe(elements.map(elementText).join(',\n'));
        // Inside the document, where the report puts them.
        expect(`{\n  "locks": [\n${elementsText(elements)}\n  ]\n}`).toBe(
          JSON.stringify({ locks: elements }, null, 2),
        );
      }),
      { numRuns: 300 },
    );
  });
});
