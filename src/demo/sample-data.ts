/** The mistakes the sample data makes on purpose, by the code its failure log row carries. */
export type SampleErrorCode =
  | 'REQUIRED_FIELD_MISSING'
  | 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'
  | 'STRING_TOO_LONG'
  | 'NUMBER_OUTSIDE_VALID_RANGE'
  | 'INVALID_EMAIL_ADDRESS'
  | 'INVALID_TYPE_ON_FIELD_IN_RECORD'
  | 'INVALID_FIELD'
  | 'SFETL_COLUMN_COUNT';

export interface SampleDataProps {
  /** Seed of every random choice: the same seed, env and size give byte-identical files. */
  readonly seed: number;
  /** Mixed into the seed, so each env gets its own (equally sized) data. */
  readonly env: string;
  /** Accounts in the first file; Contacts are three times, Invoices twice as many. */
  readonly accounts: number;
  /**
   * Share of each first file's rows with a deliberate mistake (rounded to whole rows). Contacts and
   * Invoices of a broken Account fail on top of that, as they would in a real org.
   * @default 0.015
   */
  readonly badShare?: number;
  /**
   * Start of every external id, so the demo's records can be told apart in an org.
   * @default `DEMO<seed>-`
   */
  readonly prefix?: string;
}

/** One source file of one object for one run. */
export interface SampleFile {
  readonly object: 'Account' | 'Contact' | 'Invoice__c';
  /** 1: the first load; 2: a later file with new records, a few changes and the fixed rows of run 1. */
  readonly run: number;
  /** The external id field (Ext_Id__c, Invoice_Number__c). */
  readonly keyField: string;
  readonly csv: string;
  readonly rows: number;
  /** External id of each row expected to fail → its error code (injected row locks aside). */
  readonly bad: ReadonlyMap<string, SampleErrorCode>;
}

/** Every file of one env, in run order and, within a run, in load order (Account, Contact, Invoice__c). */
export interface SampleData {
  readonly prefix: string;
  readonly files: readonly SampleFile[];
}

const DEFAULT_BAD_SHARE = 0.015;
/** Share of a first file's size that the second file adds as new records, and changes as updates. */
const NEW_IN_RUN_2 = 0.25;
const UPDATED_IN_RUN_2 = 0.05;

const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Ava', 'Elijah', 'Sophia', 'Mateo', 'Isabella', 'Lucas',
  'Mia', 'Levi', 'Chloé', 'Jürgen', 'Zoë', 'Siobhán', 'Ren', 'Aiko', 'Priya', 'Arjun', 'Fatima', 'Omar', 'Ingrid',
  'Lars', 'Marta', 'Tomás', 'Nguyen', 'Kwame',
]; // prettier-ignore
const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', "O'Brien",
  'Müller', 'Schmidt', 'Rossi', 'Dubois', 'Kowalski', 'Nakamura', 'Patel', 'Okafor', 'Andersson', 'van der Berg',
  'Fernández', 'Novak', 'Haddad', 'Kim', 'Tanaka', 'Silva', 'Murphy', 'Cohen', 'Jensen', 'Ivanova',
]; // prettier-ignore
const COMPANY_WORDS = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay', 'Soylent', 'Cyberdyne', 'Tyrell',
  'Wonka', 'Gringotts', 'Oceanic', 'Aperture', 'Monarch', 'Pied Piper', 'Dunder Mifflin', 'Blue Sun', 'Nakatomi',
]; // prettier-ignore
const COMPANY_SUFFIXES = ['Inc.', 'Ltd', 'GmbH', 'S.A.', 'LLC', 'Group', 'Holdings', 'AG', 'B.V.', '& Co.'];
const INDUSTRIES = [
  'Banking', 'Biotechnology', 'Construction', 'Consulting', 'Education', 'Energy', 'Finance', 'Healthcare',
  'Insurance', 'Manufacturing', 'Media', 'Retail', 'Technology', 'Telecommunications', 'Transportation',
]; // prettier-ignore
const ACCOUNT_TYPES = ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller'];
const CITIES: readonly [string, string][] = [
  ['London', 'United Kingdom'],
  ['Berlin', 'Germany'],
  ['São Paulo', 'Brazil'],
  ['Montréal', 'Canada'],
  ['Zürich', 'Switzerland'],
  ['Osaka', 'Japan'],
  ['Austin', 'United States'],
  ['Lagos', 'Nigeria'],
  ['Kraków', 'Poland'],
  ['Melbourne', 'Australia'],
  ['Dublin', 'Ireland'],
  ['Pune', 'India'],
];
const TITLES = ['CFO', 'Head of Procurement', 'Accounts Payable Clerk', 'IT Director', 'Office Manager', 'VP Sales'];
const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const INVOICE_STATUSES = ['Draft', 'Sent', 'Paid', 'Void'];
const NOTES = [
  'Net 30',
  'Net 60, "early payment" discount 2%',
  'PO required, see contract',
  'Paid by wire; remittance advice\nsent separately',
  '',
];

const ACCOUNT_HEADER = [
  'Ext_Id__c',
  'Name',
  'Industry',
  'Type',
  'BillingCity',
  'BillingCountry',
  'Phone',
  'Website',
  'NumberOfEmployees',
  'AnnualRevenue',
];
const CONTACT_HEADER = [
  'Ext_Id__c',
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'Title',
  'Birthdate',
  'LeadSource',
  'Account.Ext_Id__c',
  'Description',
];
const INVOICE_HEADER = [
  'Invoice_Number__c',
  'Name',
  'Account__r.Ext_Id__c',
  'Amount__c',
  'Invoice_Date__c',
  'Due_Date__c',
  'Status__c',
  'Paid__c',
  'Notes__c',
];

const ACCOUNT_MISTAKES: readonly SampleErrorCode[] = [
  'REQUIRED_FIELD_MISSING',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'STRING_TOO_LONG',
  'NUMBER_OUTSIDE_VALID_RANGE',
];
const CONTACT_MISTAKES: readonly SampleErrorCode[] = [
  'REQUIRED_FIELD_MISSING',
  'INVALID_EMAIL_ADDRESS',
  'INVALID_TYPE_ON_FIELD_IN_RECORD',
  'INVALID_FIELD',
  'SFETL_COLUMN_COUNT',
];
const INVOICE_MISTAKES: readonly SampleErrorCode[] = [
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'INVALID_TYPE_ON_FIELD_IN_RECORD',
  'INVALID_FIELD',
];

/** A value as a CSV cell: quoted when it holds a comma, a quote or a line break. */
function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** FNV-1a of the env name, mixed into the seed. */
function envSalt(env: string): number {
  let h = 2166136261;
  for (const c of Buffer.from(env)) h = Math.imul(h ^ c, 16777619); // eslint-disable-line no-bitwise
  return h >>> 0; // eslint-disable-line no-bitwise
}

/**
 * The sample data's own seeded choices (mulberry32, the same generator the emulator's fault injector uses):
 * the demo's rows must stay the same for a seed whatever the emulator does with its generator, and the demo
 * does not depend on the emulator package for eight lines.
 */
class Picker {
  private state: number;

  constructor(seed: number) {
    this.state = seed;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /* eslint-disable no-bitwise -- a PRNG is bit arithmetic */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /* eslint-enable no-bitwise */

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }

  /** `count` distinct indexes out of `n`, in ascending order. */
  sample(n: number, count: number): number[] {
    const indexes = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < Math.min(count, n); i++) {
      const j = i + this.int(n - i);
      [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
    }
    return indexes.slice(0, Math.min(count, n)).sort((a, b) => a - b);
  }
}

interface Row {
  readonly key: string;
  readonly values: Record<string, string>;
  /** The row has one more cell than the header (an unquoted comma). */
  readonly surplusCell?: boolean;
}

/** Whether a record of an object is in the org after a run: its key and whether its load succeeded. */
type Loaded = Map<string, boolean>;

/**
 * Realistic source files for the demo: Accounts with external ids, Contacts and Invoices that reference
 * them by that id, a known share of rows with the mistakes real extracts have, and a second, later file
 * per object (new records, a few changes, the first file's broken rows fixed). Deterministic per seed.
 */
export function generateSampleData(props: SampleDataProps): SampleData {
  if (!Number.isInteger(props.accounts) || props.accounts < 1) throw new RangeError('accounts must be >= 1');
  const badShare = props.badShare ?? DEFAULT_BAD_SHARE;
  if (!(badShare >= 0 && badShare <= 1)) throw new RangeError('badShare must be between 0 and 1');
  const prefix = props.prefix ?? `DEMO${props.seed}-`;
  // eslint-disable-next-line no-bitwise
  const r = new Picker((props.seed ^ envSalt(props.env)) >>> 0);
  const key = (kind: string, i: number) => `${prefix}${kind}-${String(i).padStart(6, '0')}`;
  const accountsInOrg: Loaded = new Map();
  const files: SampleFile[] = [];

  const accountRow = (i: number, mistake?: SampleErrorCode): Row => {
    const [city, country] = r.pick(CITIES);
    const word = r.pick(COMPANY_WORDS);
    const values: Record<string, string> = {
      Ext_Id__c: key('A', i),
      Name: `${word} ${r.pick(COMPANY_SUFFIXES)} ${i}`,
      Industry: r.pick(INDUSTRIES),
      Type: r.pick(ACCOUNT_TYPES),
      BillingCity: city,
      BillingCountry: country,
      Phone: `+1 (555) ${String(100 + r.int(900))}-${String(1000 + r.int(9000))}`,
      Website: `https://www.${word.toLowerCase().replace(/[^a-z]/g, '')}${i}.example.com`,
      NumberOfEmployees: String(5 + r.int(50_000)),
      AnnualRevenue: String(100_000 * (1 + r.int(5_000))),
    };
    if (mistake === 'REQUIRED_FIELD_MISSING') values.Name = '';
    if (mistake === 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST') values.Industry = 'Aerospace & Defence';
    if (mistake === 'STRING_TOO_LONG') {
      values.BillingCity = 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch';
    }
    if (mistake === 'NUMBER_OUTSIDE_VALID_RANGE') values.NumberOfEmployees = '250000000';
    return { key: values.Ext_Id__c!, values };
  };

  const contactRow = (i: number, account: string, mistake?: SampleErrorCode): Row => {
    const first = r.pick(FIRST_NAMES);
    const last = r.pick(LAST_NAMES);
    const day = String(1 + r.int(28)).padStart(2, '0');
    const month = String(1 + r.int(12)).padStart(2, '0');
    const values: Record<string, string> = {
      Ext_Id__c: key('C', i),
      FirstName: first,
      LastName: last,
      Email: `${first}.${last}.${i}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, ''),
      Phone: `+44 20 ${String(1000 + r.int(9000))} ${String(1000 + r.int(9000))}`,
      Title: r.pick(TITLES),
      Birthdate: `${1950 + r.int(50)}-${month}-${day}`,
      LeadSource: r.pick(LEAD_SOURCES),
      'Account.Ext_Id__c': account,
      Description: `Met at the ${r.pick(['spring', 'autumn'])} fair, "${r.pick(['hot', 'warm', 'cold'])}" lead, tier ${1 + r.int(3)}`,
    };
    if (mistake === 'REQUIRED_FIELD_MISSING') values.LastName = '';
    if (mistake === 'INVALID_EMAIL_ADDRESS') values.Email = values.Email!.replace('@', ' at ');
    if (mistake === 'INVALID_TYPE_ON_FIELD_IN_RECORD') values.Birthdate = `${1950 + r.int(50)}-02-30`;
    if (mistake === 'INVALID_FIELD') values['Account.Ext_Id__c'] = key('A', 999_999);
    // An unquoted comma in a title: one cell too many, rejected before upload.
    if (mistake === 'SFETL_COLUMN_COUNT') values.Title = 'Head of Sales, EMEA';
    return { key: values.Ext_Id__c!, values, surplusCell: mistake === 'SFETL_COLUMN_COUNT' };
  };

  const invoiceRow = (i: number, account: string, mistake?: SampleErrorCode): Row => {
    const month = 1 + r.int(12);
    const day = String(1 + r.int(28)).padStart(2, '0');
    const status = r.pick(INVOICE_STATUSES);
    const values: Record<string, string> = {
      Invoice_Number__c: key('INV', i),
      Name: `Invoice ${i}`,
      'Account__r.Ext_Id__c': account,
      Amount__c: (r.int(5_000_000) / 100).toFixed(2),
      Invoice_Date__c: `2025-${String(month).padStart(2, '0')}-${day}`,
      Due_Date__c: `${month === 12 ? 2026 : 2025}-${String((month % 12) + 1).padStart(2, '0')}-${day}`,
      Status__c: status,
      Paid__c: status === 'Paid' ? 'true' : 'false',
      Notes__c: r.pick(NOTES),
    };
    if (mistake === 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST') values.Status__c = 'Overdue';
    // A European-formatted amount from a spreadsheet export.
    if (mistake === 'INVALID_TYPE_ON_FIELD_IN_RECORD') values.Amount__c = '1.234,50';
    if (mistake === 'INVALID_FIELD') values['Account__r.Ext_Id__c'] = key('A', 999_999);
    return { key: values.Invoice_Number__c!, values };
  };

  /**
   * Rows `first`…`first + count - 1` of an object, `badShare` of them with one of `mistakes` (in turn),
   * children of an Account not in the org failing with INVALID_FIELD as Salesforce answers.
   */
  const newRows = (
    count: number,
    first: number,
    mistakes: readonly SampleErrorCode[],
    make: (i: number, account: string, mistake?: SampleErrorCode) => Row,
    accountOf: (i: number) => string | undefined,
  ): { rows: Row[]; bad: Map<string, SampleErrorCode> } => {
    const badAt = new Set(r.sample(count, Math.round(count * badShare)));
    const rows: Row[] = [];
    const bad = new Map<string, SampleErrorCode>();
    let n = 0;
    for (let j = 0; j < count; j++) {
      const i = first + j;
      const mistake = badAt.has(j) ? mistakes[n++ % mistakes.length] : undefined;
      const account = accountOf(i) ?? '';
      const row = make(i, account, mistake);
      rows.push(row);
      if (mistake) bad.set(row.key, mistake);
      else if (account !== '' && accountsInOrg.get(account) !== true) bad.set(row.key, 'INVALID_FIELD');
    }
    return { rows, bad };
  };

  const accounts1 = props.accounts;
  const contacts1 = 3 * props.accounts;
  const invoices1 = 2 * props.accounts;
  const pickAccount = (upTo: number) => () => key('A', r.int(upTo));
  const push = (object: SampleFile['object'], run: number, rows: Row[], bad: Map<string, SampleErrorCode>) => {
    const keyField = object === 'Invoice__c' ? 'Invoice_Number__c' : 'Ext_Id__c';
    const header = object === 'Account' ? ACCOUNT_HEADER : object === 'Contact' ? CONTACT_HEADER : INVOICE_HEADER;
    const lines = [header.join(',')];
    for (const row of rows) {
      const cells = header.map((h) => (row.surplusCell && h === 'Title' ? row.values[h]! : cell(row.values[h] ?? '')));
      lines.push(cells.join(','));
    }
    files.push({ object, run, keyField, csv: `${lines.join('\n')}\n`, rows: rows.length, bad });
  };
  const record = (rows: readonly Row[], bad: ReadonlyMap<string, SampleErrorCode>, into: Loaded) => {
    for (const row of rows) into.set(row.key, into.get(row.key) === true || !bad.has(row.key));
  };

  // Run 1: the first extract.
  const a1 = newRows(
    accounts1,
    0,
    ACCOUNT_MISTAKES,
    (i, _a, m) => accountRow(i, m),
    () => undefined,
  );
  record(a1.rows, a1.bad, accountsInOrg);
  push('Account', 1, a1.rows, a1.bad);
  const c1 = newRows(contacts1, 0, CONTACT_MISTAKES, contactRow, pickAccount(accounts1));
  push('Contact', 1, c1.rows, c1.bad);
  const i1 = newRows(invoices1, 0, INVOICE_MISTAKES, invoiceRow, pickAccount(accounts1));
  push('Invoice__c', 1, i1.rows, i1.bad);

  // Run 2, a later extract: the broken rows of run 1 fixed, some records changed, new records.
  const fixedAndChanged = (
    firstRun: { rows: Row[]; bad: Map<string, SampleErrorCode> },
    make: (i: number, account: string) => Row,
    accountOf: (row: Row) => string,
  ): Row[] => {
    const rows: Row[] = [];
    firstRun.rows.forEach((row, i) => {
      if (firstRun.bad.has(row.key)) rows.push(make(i, accountOf(row)));
    });
    for (const i of r.sample(firstRun.rows.length, Math.round(firstRun.rows.length * UPDATED_IN_RUN_2))) {
      if (!firstRun.bad.has(firstRun.rows[i]!.key)) rows.push(make(i, accountOf(firstRun.rows[i]!)));
    }
    return rows;
  };
  /** A child of a run-1 row whose Account did not exist or was made up now points at a real Account. */
  const realAccount = (field: string) => (row: Row) => {
    const account = row.values[field]!;
    return account === key('A', 999_999) ? key('A', r.int(accounts1)) : account;
  };

  const accounts2 = Math.max(1, Math.round(accounts1 * NEW_IN_RUN_2));
  const a2fixed = fixedAndChanged(
    a1,
    (i) => accountRow(i),
    () => '',
  );
  const a2new = newRows(
    accounts2,
    accounts1,
    ACCOUNT_MISTAKES,
    (i, _a, m) => accountRow(i, m),
    () => undefined,
  );
  record(a2fixed, new Map(), accountsInOrg);
  record(a2new.rows, a2new.bad, accountsInOrg);
  push('Account', 2, [...a2fixed, ...a2new.rows], a2new.bad);

  const allAccounts = pickAccount(accounts1 + accounts2);
  const c2fixed = fixedAndChanged(c1, (i, a) => contactRow(i, a), realAccount('Account.Ext_Id__c'));
  const c2new = newRows(
    Math.max(1, Math.round(contacts1 * NEW_IN_RUN_2)),
    contacts1,
    CONTACT_MISTAKES,
    contactRow,
    allAccounts,
  );
  push('Contact', 2, [...c2fixed, ...c2new.rows], childFailures(c2fixed, 'Account.Ext_Id__c', c2new.bad));

  const i2fixed = fixedAndChanged(i1, (i, a) => invoiceRow(i, a), realAccount('Account__r.Ext_Id__c'));
  const i2new = newRows(
    Math.max(1, Math.round(invoices1 * NEW_IN_RUN_2)),
    invoices1,
    INVOICE_MISTAKES,
    invoiceRow,
    allAccounts,
  );
  push('Invoice__c', 2, [...i2fixed, ...i2new.rows], childFailures(i2fixed, 'Account__r.Ext_Id__c', i2new.bad));

  /** Fixed children whose Account is still not in the org (it was broken in both runs) fail again. */
  function childFailures(
    fixed: readonly Row[],
    field: string,
    bad: Map<string, SampleErrorCode>,
  ): Map<string, SampleErrorCode> {
    for (const row of fixed) if (accountsInOrg.get(row.values[field]!) !== true) bad.set(row.key, 'INVALID_FIELD');
    return bad;
  }

  return { prefix, files };
}
