import { newSalesforceId, toCaseSafeId } from '../src/salesforce-id';

/**
 * 15-character ids with their 18-character forms. The first pair is a real Account id; the others are
 * derived by hand with the documented algorithm: split the 15 characters into three chunks of five, set
 * bit i of a chunk when its i-th character is an upper-case letter, and map each 5-bit value to
 * `ABCDEFGHIJKLMNOPQRSTUVWXYZ012345`.
 */
const KNOWN_PAIRS: readonly [string, string][] = [
  // 001A0 → bit 3 → I; 00000 → A; 6Vm9r → bit 1 → C
  ['001A0000006Vm9r', '001A0000006Vm9rIAC'],
  // 00150 → A; 00000 → A; ABCDE → bits 0-4 → 31 → 5
  ['0015000000ABCDE', '0015000000ABCDEAA5'],
  // a01ZZ → bits 3,4 → 24 → Y; ZZZzz → bits 0-2 → 7 → H; zzz00 → A
  ['a01ZZZZZzzzzz00', 'a01ZZZZZzzzzz00YHA'],
  // 0Q0Ab → bits 1,3 → 10 → K; 00000 → A; 00FgH → bits 2,4 → 20 → U
  ['0Q0Ab0000000FgH', '0Q0Ab0000000FgHKAU'],
  ['003000000000000', '003000000000000AAA'],
];

describe('toCaseSafeId', () => {
  test.each(KNOWN_PAIRS)('turns the 15-character id %s into %s', (id15, id18) => {
    expect(toCaseSafeId(id15)).toBe(id18);
  });

  test.each(KNOWN_PAIRS)('accepts the 18-character id of %s unchanged', (_, id18) => {
    expect(toCaseSafeId(id18)).toBe(id18);
  });

  test.each([
    ['empty', ''],
    ['14 characters', '001A0000006Vm9'],
    ['16 characters', '001A0000006Vm9rI'],
    ['17 characters', '001A0000006Vm9rIA'],
    ['19 characters', '001A0000006Vm9rIACX'],
    ['a character that is not a letter or digit', '001A0000006Vm9-'],
    ['a space', '001A0000006Vm9 '],
  ])('rejects an id of %s', (_, id) => {
    expect(toCaseSafeId(id)).toBeUndefined();
  });

  test('rejects an 18-character id whose suffix does not match', () => {
    expect(toCaseSafeId('001A0000006Vm9rIAD')).toBeUndefined();
  });

  test('rejects an 18-character id whose case was changed in the first 15 characters', () => {
    // 6Vm9R would need the suffix chunk S (bits 1 and 4), not C.
    expect(toCaseSafeId('001A0000006Vm9RIAC')).toBeUndefined();
  });
});

describe('newSalesforceId', () => {
  test('is 18 characters long and starts with the key prefix', () => {
    const id = newSalesforceId('a01', 1);
    expect(id).toHaveLength(18);
    expect(id.startsWith('a01')).toBe(true);
  });

  test('ends with the case-safe suffix of its first 15 characters', () => {
    for (const counter of [1, 61, 62, 3_843, 238_327, 56_800_235_583]) {
      const id = newSalesforceId('001', counter);
      expect(toCaseSafeId(id.slice(0, 15))).toBe(id);
    }
  });

  test('gives different ids for different counters, also when they differ only in case', () => {
    // Counters 10 and 36 are base-62 digits A and a.
    const ids = new Set(Array.from({ length: 1_000 }, (_, i) => newSalesforceId('003', i + 1)));
    expect(ids.size).toBe(1_000);
    expect(newSalesforceId('003', 10).toLowerCase()).not.toBe(newSalesforceId('003', 36).toLowerCase());
  });
});
