const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 3-character case-safe suffix Salesforce appends to a 15-character id. */
function caseSafeSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      // eslint-disable-next-line no-bitwise -- Salesforce's suffix is a bit mask of upper-case positions
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

/** A new 18-character id: key prefix, pod "0R", then a base-62 counter, then the case-safe suffix. */
export function newSalesforceId(keyPrefix: string, counter: number): string {
  let digits = '';
  let n = counter;
  for (let i = 0; i < 10; i++) {
    digits = BASE62[n % 62] + digits;
    n = Math.floor(n / 62);
  }
  const id15 = `${keyPrefix}0R${digits}`;
  return id15 + caseSafeSuffix(id15);
}

/** The 18-character form of a 15- or 18-character id, or undefined when it is not a well-formed id. */
export function toCaseSafeId(value: string): string | undefined {
  if (!/^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$/.test(value)) return undefined;
  const id15 = value.slice(0, 15);
  const id18 = id15 + caseSafeSuffix(id15);
  if (value.length === 18 && value.slice(15).toUpperCase() !== id18.slice(15)) return undefined;
  return id18;
}

/** The counter an id made by newSalesforceId encodes (to continue numbering after a restart). */
export function salesforceIdCounter(id: string): number {
  let n = 0;
  for (const c of id.slice(5, 15)) n = n * 62 + BASE62.indexOf(c);
  return n;
}
