import { escapeUnprintable, printable, printableJson } from '../../src/config';

/** Every control or invisible character the functions below must never let through. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const HOSTILE = 'a\u001b[31mb\u0007c\u007fd\u009be\u200ef\u2028g\u2029h\u202ei\u2066j\ufeffk\r\n\tl';

describe('escapeUnprintable', () => {
  test('writes every control and invisible character as \\uXXXX, and cuts nothing', () => {
    expect(escapeUnprintable(HOSTILE)).toBe(
      'a\\u001b[31mb\\u0007c\\u007fd\\u009be\\u200ef\\u2028g\\u2029h\\u202ei\\u2066j\\ufeffk\\u000d\\u000a\\u0009l',
    );
    expect(escapeUnprintable('x'.repeat(500))).toBe('x'.repeat(500));
  });

  test('keeps the line feeds of a multi-line message when asked, and nothing else', () => {
    expect(escapeUnprintable('one \u001b[2J\ntwo\r\n', true)).toBe('one \\u001b[2J\ntwo\\u000d\n');
  });

  test('leaves printable text, accents, other scripts and emoji as they are', () => {
    const text = 'Müller · 東京 · 🙂 · "quoted" \\ back';
    expect(escapeUnprintable(text)).toBe(text);
  });
});

describe('printable', () => {
  test('is escapeUnprintable, cut at 80 characters with the length given', () => {
    expect(printable(HOSTILE)).toBe(escapeUnprintable(HOSTILE));
    expect(printable(`\u001b${'x'.repeat(99)}`)).toBe(`\\u001b${'x'.repeat(79)}… (100 characters)`);
  });
});

describe('printableJson', () => {
  test('is the same JSON, with no raw escape, C1 control, line separator or bidi mark in the line', () => {
    const value = { message: HOSTILE, nested: [HOSTILE], n: 1 };
    const line = printableJson(value);
    expect(line).not.toMatch(UNPRINTABLE);
    expect(JSON.parse(line)).toEqual(value);
    // What JSON.stringify alone lets through, for the record: the line separator and the C1 CSI.
    expect(JSON.stringify('\u2028\u009b')).toMatch(UNPRINTABLE);
  });
});
