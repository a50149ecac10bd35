/** Generated source files for load tests: realistic rows with a known set of bad ones and their expected errors. */

export const CONTACT_HEADER = 'Ext_Id__c,FirstName,LastName,Email,Birthdate,LeadSource,Description';

export type BadKind =
  | 'REQUIRED_FIELD_MISSING'
  | 'INVALID_EMAIL_ADDRESS'
  | 'STRING_TOO_LONG'
  | 'INVALID_TYPE_ON_FIELD_IN_RECORD'
  | 'SFETL_COLUMN_COUNT'
  | 'SFETL_MALFORMED_QUOTES';

export interface GeneratedFile {
  readonly csv: string;
  readonly rows: number;
  /** Ext_Id__c of each bad row → the error code its failure log row must carry. */
  readonly bad: ReadonlyMap<string, BadKind>;
}

/**
 * `rows` Contacts; the bad ones are spread through the file as `badPlan` says (kind → count). Server-side
 * kinds fail in the org; SFETL_* kinds are rejected by the loader before upload.
 */
export function contactsWithBadRows(
  rows: number,
  badPlan: Partial<Record<BadKind, number>>,
  description = '',
  prefix = 'C-',
): GeneratedFile {
  const kinds: BadKind[] = [];
  for (const [kind, count] of Object.entries(badPlan) as [BadKind, number][]) {
    for (let i = 0; i < count; i++) kinds.push(kind);
  }
  const step = Math.floor(rows / (kinds.length + 1));
  const badAt = new Map<number, BadKind>(kinds.map((kind, i) => [(i + 1) * step, kind]));
  const lines = [CONTACT_HEADER];
  const bad = new Map<string, BadKind>();
  for (let i = 0; i < rows; i++) {
    const ext = `${prefix}${String(i).padStart(7, '0')}`;
    const day = String((i % 28) + 1).padStart(2, '0');
    let first = `First ${i}`;
    let last = `Last${i}`;
    let email = `person${i}@example.com`;
    let birthdate = `1980-02-${day}`;
    let extra = '';
    const kind = badAt.get(i);
    switch (kind) {
      case 'REQUIRED_FIELD_MISSING':
        last = '';
        break;
      case 'INVALID_EMAIL_ADDRESS':
        email = `person${i}.example.com`;
        break;
      case 'STRING_TOO_LONG':
        last = 'L'.repeat(81);
        break;
      case 'INVALID_TYPE_ON_FIELD_IN_RECORD':
        birthdate = '1980-02-30';
        break;
      case 'SFETL_COLUMN_COUNT':
        extra = ',surplus';
        break;
      case 'SFETL_MALFORMED_QUOTES':
        first = 'Fi"rst';
        break;
      default:
        break;
    }
    if (kind) bad.set(ext, kind);
    const desc = description === '' ? `"Customer ${i}, ""tier"" ${i % 5}"` : `"${description}"`;
    lines.push(`${ext},${first},${last},${email},${birthdate},Web,${desc}${extra}`);
  }
  return { csv: `${lines.join('\n')}\n`, rows, bad };
}
