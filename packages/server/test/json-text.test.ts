import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonText } from '../src/account/json-text.ts';

/** What JSON.parse says of the same bytes: the answer isJsonText must give. */
function parses(bytes: Buffer, start: number, end: number): boolean {
  try {
    JSON.parse(bytes.toString('utf8', start, end));
    return true;
  } catch {
    return false;
  }
}

/**
 * `text` between other bytes, as in a frame: before it, and after it JSON's closing characters,
 * which a check that read past its end would take as its own.
 */
function agrees(text: string): void {
  const bytes = Buffer.from(`{"data":${text}}]"`);
  const start = 8;
  const end = start + Buffer.byteLength(text);
  expect(isJsonText(bytes, start, end), JSON.stringify(text)).toBe(parses(bytes, start, end));
}

describe('telling JSON text from other bytes, without parsing it', () => {
  it('agrees with JSON.parse on the edges of the grammar', () => {
    const cases = [
      ...[
        '',
        ' ',
        '{',
        '[',
        '"',
        '{}',
        '[]',
        ' {} ',
        '\t[\n]\r',
        '{"a":1}',
        '{"a" : 1 , "b" : [ ] }',
      ],
      ...['{"a":1,}', '[1,]', '[,1]', '{1:2}', '{"a"}', '{"a":}', '[1 2]', '{"a":1}}', '1 2'],
      ...['0', '-0', '01', '-', '1.', '.5', '1e', '1e+', '1E+5', '-1.5e-3', '1e400', '0x1', '+1'],
      ...[
        'true',
        'tru',
        'null ',
        'nul',
        'false',
        '[true,false,null]',
        'Infinity',
        'NaN',
        'undefined',
      ],
      ...[
        '"\\u12g4"',
        '"\\u1234"',
        '"\\uABCD"',
        '"\\u12"',
        '"\\x"',
        '"\\"',
        '"\\\\"',
        '"\\/\\b\\f\\n\\r\\t"',
      ],
      ...['"\t"', '"\u0000"', '"\u001f"', '"\u007f"', '"a', '"é🙂"', '"\u2028"', '\uFEFF{}', 'é'],
      ...[
        '[[[[[[]]]]]]',
        '[[[[[[]]]]]',
        '{"a":{"b":[1,2,{"c":"d"}]}}',
        `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      ],
    ];
    for (const text of cases) agrees(text);
  });

  it('agrees with JSON.parse on broken UTF-8 (bytes above 0x7f count only inside strings)', () => {
    for (const bytes of [
      [0x22, 0xc3, 0x22],
      [0xc3, 0x31],
      [0x22, 0xff, 0xfe, 0x22],
      [0x5b, 0xe2, 0x5d],
    ]) {
      const buffer = Buffer.from(bytes);
      expect(isJsonText(buffer, 0, buffer.length)).toBe(parses(buffer, 0, buffer.length));
    }
  });

  it('agrees with JSON.parse on any JSON, and on JSON cut, spliced or made of its characters', () => {
    const pieces = fc.constantFrom(...'{}[],:"\\ \t\n01-+.eEtrufalsnx9\u00e9u'.split(''));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.jsonValue().map((value) => JSON.stringify(value, null, 1)),
          fc.array(pieces, { maxLength: 12 }).map((chars) => chars.join('')),
          fc
            .tuple(fc.json(), fc.nat(), fc.nat(3), fc.string({ maxLength: 2 }))
            .map(([text, at, cut, put]) => {
              const from = at % (text.length + 1);
              return text.slice(0, from) + put + text.slice(Math.min(text.length, from + cut));
            }),
        ),
        agrees,
      ),
      { numRuns: 4_000 },
    );
    // CPU-bound: over 5 s on a loaded machine.
  }, 30_000);
});
