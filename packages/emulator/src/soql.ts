import { FieldSchema, FieldType, FieldValue, SchemaRegistry, SObjectRecord, SObjectSchema } from './sobject-schema';

/**
 * The errorCode of a failed query, as the REST API reports it. NUMBER_OUTSIDE_VALID_RANGE is what Salesforce
 * answers for an OFFSET above 2000, so a pipeline paging that way fails here as it would against a real org.
 */
export type SoqlErrorCode = 'MALFORMED_QUERY' | 'INVALID_TYPE' | 'INVALID_FIELD' | 'NUMBER_OUTSIDE_VALID_RANGE';

/** A query Salesforce would refuse; `errorCode` and `message` are what the REST API returns in its error body. */
export class SoqlError extends Error {
  constructor(
    readonly errorCode: SoqlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SoqlError';
  }
}

/** A field as written in the query (`LastName`, `Account.Ext_Id__c`) and the offset in the text where it starts. */
export interface SoqlFieldRef {
  readonly path: readonly string[];
  readonly position: number;
}

/** A quoted literal: `value` with escapes decoded; `raw` as written between the quotes, which LIKE needs for `\%`. */
export interface SoqlStringLiteral {
  readonly kind: 'string';
  readonly value: string;
  readonly raw: string;
}

/** A literal on the right of a comparison; dates and datetimes as written (`2026-01-01`, `2026-01-01T00:00:00Z`). */
export type SoqlLiteral =
  | SoqlStringLiteral
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'date'; readonly value: string }
  | { readonly kind: 'datetime'; readonly value: string };

/** `<>` is parsed as `!=`. */
export type SoqlComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A WHERE tree. `and`/`or` hold two or more operands, all joined by the same operator as SOQL requires. */
export type SoqlCondition =
  | {
      readonly kind: 'compare';
      readonly field: SoqlFieldRef;
      readonly operator: SoqlComparisonOperator;
      readonly value: SoqlLiteral;
    }
  | { readonly kind: 'like'; readonly field: SoqlFieldRef; readonly pattern: SoqlStringLiteral }
  | {
      readonly kind: 'in';
      readonly field: SoqlFieldRef;
      readonly negated: boolean;
      readonly values: readonly SoqlLiteral[];
    }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly SoqlCondition[] }
  | { readonly kind: 'not'; readonly operand: SoqlCondition };

/** One ORDER BY key; NULLS FIRST when the query does not say, as Salesforce documents. */
export interface SoqlOrderBy {
  readonly field: SoqlFieldRef;
  readonly direction: 'ASC' | 'DESC';
  readonly nulls: 'FIRST' | 'LAST';
}

/** A parsed query; names are as written; executeSoql resolves them against a schema. */
export interface SoqlQuery {
  /** The query text; error messages point into it by row and column. */
  readonly text: string;
  readonly object: string;
  readonly objectPosition: number;
  /** True for `SELECT COUNT()`, in which case `fields` is empty. */
  readonly count: boolean;
  readonly fields: readonly SoqlFieldRef[];
  readonly where?: SoqlCondition;
  readonly orderBy: readonly SoqlOrderBy[];
  readonly limit?: number;
  readonly offset?: number;
}

/** What a query reads: the org's schema and its live records. */
export interface SoqlDataSource {
  /** Resolves object and field names case-insensitively. */
  readonly schemas: SchemaRegistry;
  /** Every live record of the object (canonical name), in the order unsorted results come back. */
  records(objectName: string): Iterable<SObjectRecord>;
  /** Any live record, for parent lookups through reference fields. */
  recordById(id: string): SObjectRecord | undefined;
  /**
   * How many records `records` gives, if the source knows without reading them: `SELECT COUNT()` without
   * WHERE then reads none (the emulator decodes each stored record it reads).
   */
  count?(objectName: string): number;
}

/** Rows as the REST query resource returns them, before paging into `done`/`nextRecordsUrl`. */
export interface SoqlResult {
  /** Rows returned (after LIMIT and OFFSET), or the count for `SELECT COUNT()`. */
  readonly totalSize: number;
  /** Each with `attributes` first, then the selected fields in select order; empty for COUNT(). */
  readonly records: Record<string, unknown>[];
  /** The canonical object name. */
  readonly object: string;
  readonly isCount: boolean;
}

const MAX_OFFSET = 2000;

const SUPPORTED = 'it runs SELECT <fields> or SELECT COUNT() FROM one object with WHERE, ORDER BY, LIMIT and OFFSET';

const MESSAGES = {
  unexpectedToken: (token: string) => `unexpected token: ${token}`,
  unsupported: (token: string, feature: string) =>
    `unexpected token: '${token}'. The org emulator does not support ${feature}; ${SUPPORTED}.`,
  unterminatedString: 'unexpected token: <EOF>. The string literal starting here has no closing quote.',
  illegalEscape: (literal: string, sequence: string) =>
    `Invalid string literal '${literal}'. Illegal character sequence '${sequence}' in string literal.`,
  unknownObject: (name: string) =>
    `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
  unknownField: (field: string, object: string) =>
    `No such column '${field}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  unknownRelationship: (name: string) =>
    `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
  duplicateField: (path: string) => `duplicate field selected: ${path}`,
  filterType: (path: string, typeName: string, quoted: boolean) =>
    `value of filter criterion for field '${path}' must be of type ${typeName} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
  notFilterable: (path: string) => `field '${path}' can not be filtered in query call`,
  notSortable: (path: string) => `field '${path}' can not be sorted in a query call`,
  offsetTooLarge: `Maximum SOQL offset allowed is ${MAX_OFFSET}`,
};

/** Salesforce's error location: the offending row, a caret under the column, then the detail. */
function located(text: string, position: number, detail: string): string {
  const lineStart = position === 0 ? 0 : text.lastIndexOf('\n', position - 1) + 1;
  const lineEnd = text.indexOf('\n', position);
  const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).replace(/\r$/, '');
  const row = text.slice(0, lineStart).split('\n').length;
  const column = position - lineStart + 1;
  return `\n${line}\n${' '.repeat(column - 1)}^\nERROR at Row:${row}:Column:${column}\n${detail}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Lexing

type TokenKind = 'ident' | 'string' | 'number' | 'date' | 'datetime' | 'op' | 'punct' | 'other' | 'eof';

interface Token {
  readonly kind: TokenKind;
  /** As written (strings with their quotes, identifiers with their dots). */
  readonly text: string;
  readonly position: number;
  /** For strings: the decoded value. */
  readonly value?: string;
}

const WHITESPACE = /\s+/y;
// The lookaheads stop `2026-01-01T…` with a bad time from lexing as a date followed by junk that parses.
const DATETIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?(?:Z|[+-]\d\d:\d\d)(?![\w.:])/y;
const DATE = /\d{4}-\d\d-\d\d(?![\w.:])/y;
const NUMBER = /[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?![\w.])/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const OPERATOR = /<=|>=|!=|<>|=|<|>/y;

/** Escapes SOQL accepts in string literals; `\%` and `\_` only mean something to LIKE, elsewhere they are the character. */
const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  N: '\n',
  r: '\r',
  R: '\r',
  t: '\t',
  T: '\t',
  b: '\b',
  B: '\b',
  f: '\f',
  F: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
  '%': '%',
  _: '_',
};

function matchAt(pattern: RegExp, text: string, position: number): string | undefined {
  pattern.lastIndex = position;
  return pattern.exec(text)?.[0];
}

/**
 * Calls `visit` with each character of a string literal's body and whether it was escaped; returns the first
 * illegal escape sequence, if any, without visiting past it.
 */
function walkLiteral(raw: string, visit: (ch: string, escaped: boolean) => void): string | undefined {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '\\') {
      visit(raw[i], false);
      continue;
    }
    const decoded = ESCAPES[raw[i + 1] ?? ''];
    if (decoded === undefined) {
      return raw.slice(i, i + 2);
    }
    visit(decoded, true);
    i++;
  }
  return undefined;
}

function readString(text: string, start: number): Token {
  let end = start + 1;
  while (end < text.length && text[end] !== "'") {
    end += text[end] === '\\' ? 2 : 1;
  }
  if (end >= text.length) {
    throw new SoqlError('MALFORMED_QUERY', located(text, start, MESSAGES.unterminatedString));
  }
  const raw = text.slice(start + 1, end);
  let value = '';
  const illegal = walkLiteral(raw, (ch) => {
    value += ch;
  });
  if (illegal !== undefined) {
    throw new SoqlError('MALFORMED_QUERY', located(text, start, MESSAGES.illegalEscape(raw, illegal)));
  }
  return { kind: 'string', text: text.slice(start, end + 1), position: start, value };
}

function isValidDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < text.length) {
    const space = matchAt(WHITESPACE, text, position);
    if (space) {
      position += space.length;
      continue;
    }
    if (text[position] === "'") {
      const token = readString(text, position);
      tokens.push(token);
      position += token.text.length;
      continue;
    }
    let token: Token;
    const datetime = matchAt(DATETIME, text, position);
    const date = datetime ? undefined : matchAt(DATE, text, position);
    if (datetime !== undefined) {
      token = { kind: 'datetime', text: datetime, position };
      if (!isValidDate(datetime) || Number.isNaN(Date.parse(datetime))) throw unexpected(text, token);
    } else if (date !== undefined) {
      token = { kind: 'date', text: date, position };
      if (!isValidDate(date)) throw unexpected(text, token);
    } else {
      const number = matchAt(NUMBER, text, position);
      const ident = number ? undefined : matchAt(IDENT, text, position);
      const operator = (number ?? ident) ? undefined : matchAt(OPERATOR, text, position);
      if (number) token = { kind: 'number', text: number, position };
      else if (ident) token = { kind: 'ident', text: ident, position };
      else if (operator) token = { kind: 'op', text: operator, position };
      else token = { kind: '(),'.includes(text[position]) ? 'punct' : 'other', text: text[position], position };
    }
    tokens.push(token);
    position += token.text.length;
  }
  tokens.push({ kind: 'eof', text: '', position: text.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/** Words that cannot name a field; an object may still be called Order (a standard object). */
const RESERVED = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'ORDER',
  'BY',
  'LIMIT',
  'OFFSET',
  'NULL',
  'TRUE',
  'FALSE',
  'ASC',
  'DESC',
  'NULLS',
  'GROUP',
  'HAVING',
  'WITH',
  'USING',
  'FOR',
  'INCLUDES',
  'EXCLUDES',
  'TYPEOF',
]);

/** SOQL the emulator knows it does not run, so the message can say so rather than blame the user's syntax. */
const UNSUPPORTED_KEYWORDS: Readonly<Record<string, string>> = {
  GROUP: 'GROUP BY',
  HAVING: 'HAVING',
  WITH: 'WITH clauses',
  USING: 'USING SCOPE',
  FOR: 'FOR VIEW, FOR REFERENCE or FOR UPDATE',
  ALL: 'ALL ROWS',
  TYPEOF: 'TYPEOF',
  INCLUDES: 'INCLUDES',
  EXCLUDES: 'EXCLUDES',
  SELECT: 'subqueries',
  UPDATE: 'UPDATE TRACKING or UPDATE VIEWSTAT',
};

const DATE_LITERAL = /^(?:TODAY|YESTERDAY|TOMORROW|(?:LAST|THIS|NEXT)_[A-Z_]+|(?:LAST|NEXT)_N_[A-Z_]+|N_[A-Z_]+_AGO)$/;

const AGGREGATES = new Set(['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'MIN', 'MAX']);

function unexpected(text: string, token: Token): SoqlError {
  if (token.kind === 'eof') {
    return new SoqlError('MALFORMED_QUERY', located(text, token.position, MESSAGES.unexpectedToken('<EOF>')));
  }
  const upper = token.text.toUpperCase();
  const feature =
    token.kind === 'ident'
      ? (UNSUPPORTED_KEYWORDS[upper] ??
        (DATE_LITERAL.test(upper) ? 'date literals such as TODAY or LAST_N_DAYS:n' : undefined))
      : undefined;
  const detail = feature ? MESSAGES.unsupported(token.text, feature) : MESSAGES.unexpectedToken(`'${token.text}'`);
  return new SoqlError('MALFORMED_QUERY', located(text, token.position, detail));
}

function unsupportedFunction(text: string, token: Token): SoqlError {
  const name = token.text.toUpperCase();
  const feature = AGGREGATES.has(name)
    ? 'aggregate functions other than a bare SELECT COUNT()'
    : `functions such as ${token.text}()`;
  return new SoqlError('MALFORMED_QUERY', located(text, token.position, MESSAGES.unsupported(token.text, feature)));
}

interface Cursor {
  readonly text: string;
  readonly tokens: readonly Token[];
  index: number;
}

function peek(cursor: Cursor, ahead = 0): Token {
  return cursor.tokens[Math.min(cursor.index + ahead, cursor.tokens.length - 1)];
}

function advance(cursor: Cursor): Token {
  const token = peek(cursor);
  cursor.index = Math.min(cursor.index + 1, cursor.tokens.length - 1);
  return token;
}

function isKeyword(token: Token, keyword: string): boolean {
  return token.kind === 'ident' && token.text.toUpperCase() === keyword;
}

function isPunct(token: Token, punct: string): boolean {
  return token.kind === 'punct' && token.text === punct;
}

function expectKeyword(cursor: Cursor, keyword: string): void {
  const token = advance(cursor);
  if (!isKeyword(token, keyword)) throw unexpected(cursor.text, token);
}

function expectPunct(cursor: Cursor, punct: string): void {
  const token = advance(cursor);
  if (!isPunct(token, punct)) throw unexpected(cursor.text, token);
}

function acceptKeyword(cursor: Cursor, keyword: string): boolean {
  if (!isKeyword(peek(cursor), keyword)) return false;
  advance(cursor);
  return true;
}

function acceptPunct(cursor: Cursor, punct: string): boolean {
  if (!isPunct(peek(cursor), punct)) return false;
  advance(cursor);
  return true;
}

function parseFieldRef(cursor: Cursor): SoqlFieldRef {
  const token = advance(cursor);
  if (token.kind !== 'ident' || RESERVED.has(token.text.toUpperCase())) throw unexpected(cursor.text, token);
  if (isPunct(peek(cursor), '(')) throw unsupportedFunction(cursor.text, token);
  return { path: token.text.split('.'), position: token.position };
}

function parseLiteral(cursor: Cursor): SoqlLiteral {
  const token = advance(cursor);
  switch (token.kind) {
    case 'string':
      return { kind: 'string', value: token.value!, raw: token.text.slice(1, -1) };
    case 'number':
      return { kind: 'number', value: Number(token.text) };
    case 'date':
      return { kind: 'date', value: token.text };
    case 'datetime':
      return { kind: 'datetime', value: token.text };
    case 'ident': {
      const upper = token.text.toUpperCase();
      if (upper === 'NULL') return { kind: 'null' };
      if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'boolean', value: upper === 'TRUE' };
      throw unexpected(cursor.text, token);
    }
    default:
      throw unexpected(cursor.text, token);
  }
}

function parseComparison(cursor: Cursor): SoqlCondition {
  const field = parseFieldRef(cursor);
  const token = advance(cursor);
  if (token.kind === 'op') {
    const operator = (token.text === '<>' ? '!=' : token.text) as SoqlComparisonOperator;
    return { kind: 'compare', field, operator, value: parseLiteral(cursor) };
  }
  if (isKeyword(token, 'LIKE')) {
    const pattern = parseLiteral(cursor);
    if (pattern.kind !== 'string') throw unexpected(cursor.text, cursor.tokens[cursor.index - 1]);
    return { kind: 'like', field, pattern };
  }
  const negated = isKeyword(token, 'NOT');
  if (isKeyword(token, 'IN') || (negated && acceptKeyword(cursor, 'IN'))) {
    expectPunct(cursor, '(');
    const values = [parseLiteral(cursor)];
    while (acceptPunct(cursor, ',')) {
      values.push(parseLiteral(cursor));
    }
    expectPunct(cursor, ')');
    return { kind: 'in', field, negated, values };
  }
  throw unexpected(cursor.text, negated ? peek(cursor) : token);
}

function parseOperand(cursor: Cursor): SoqlCondition {
  if (!isPunct(peek(cursor), '(')) return parseComparison(cursor);
  advance(cursor);
  const inner = parseExpression(cursor);
  expectPunct(cursor, ')');
  return inner;
}

/**
 * A condition list. SOQL makes the writer parenthesise instead of applying precedence: one list joins its
 * operands with AND only or OR only, and NOT may only open a list (`a AND NOT b` is refused; `a AND (NOT b)` is not).
 */
function parseExpression(cursor: Cursor): SoqlCondition {
  const first: SoqlCondition = acceptKeyword(cursor, 'NOT')
    ? { kind: 'not', operand: parseOperand(cursor) }
    : parseOperand(cursor);
  const operands = [first];
  let joiner: 'AND' | 'OR' | undefined;
  for (;;) {
    const token = peek(cursor);
    const word = isKeyword(token, 'AND') ? 'AND' : isKeyword(token, 'OR') ? 'OR' : undefined;
    if (!word) break;
    if (joiner && word !== joiner) throw unexpected(cursor.text, token);
    joiner = word;
    advance(cursor);
    operands.push(parseOperand(cursor));
  }
  if (!joiner) return first;
  return { kind: joiner === 'AND' ? 'and' : 'or', operands };
}

function parseOrderBy(cursor: Cursor): SoqlOrderBy[] {
  const keys: SoqlOrderBy[] = [];
  for (;;) {
    const field = parseFieldRef(cursor);
    let direction: 'ASC' | 'DESC' = 'ASC';
    if (acceptKeyword(cursor, 'DESC')) direction = 'DESC';
    else acceptKeyword(cursor, 'ASC');
    let nulls: 'FIRST' | 'LAST' = 'FIRST';
    if (acceptKeyword(cursor, 'NULLS')) {
      if (acceptKeyword(cursor, 'LAST')) nulls = 'LAST';
      else expectKeyword(cursor, 'FIRST');
    }
    keys.push({ field, direction, nulls });
    if (!acceptPunct(cursor, ',')) return keys;
  }
}

function parseCount(cursor: Cursor): number {
  const token = advance(cursor);
  if (token.kind !== 'number' || !/^\d+$/.test(token.text)) throw unexpected(cursor.text, token);
  return Number(token.text);
}

/** Parses SOQL syntax only; names are resolved by executeSoql. Throws SoqlError MALFORMED_QUERY. */
export function parseSoql(text: string): SoqlQuery {
  const cursor: Cursor = { text, tokens: tokenize(text), index: 0 };
  expectKeyword(cursor, 'SELECT');
  let count = false;
  const fields: SoqlFieldRef[] = [];
  if (isKeyword(peek(cursor), 'COUNT') && isPunct(peek(cursor, 1), '(')) {
    const countToken = advance(cursor);
    advance(cursor);
    if (!isPunct(peek(cursor), ')')) throw unsupportedFunction(text, countToken);
    advance(cursor);
    count = true;
  } else {
    do {
      fields.push(parseFieldRef(cursor));
    } while (acceptPunct(cursor, ','));
  }
  expectKeyword(cursor, 'FROM');
  const objectToken = advance(cursor);
  const objectUpper = objectToken.text.toUpperCase();
  if (
    objectToken.kind !== 'ident' ||
    objectToken.text.includes('.') ||
    (RESERVED.has(objectUpper) && objectUpper !== 'ORDER')
  ) {
    throw unexpected(text, objectToken);
  }
  const where = acceptKeyword(cursor, 'WHERE') ? parseExpression(cursor) : undefined;
  let orderBy: SoqlOrderBy[] = [];
  if (acceptKeyword(cursor, 'ORDER')) {
    expectKeyword(cursor, 'BY');
    orderBy = parseOrderBy(cursor);
  }
  const limit = acceptKeyword(cursor, 'LIMIT') ? parseCount(cursor) : undefined;
  const offset = acceptKeyword(cursor, 'OFFSET') ? parseCount(cursor) : undefined;
  const rest = peek(cursor);
  if (rest.kind !== 'eof') throw unexpected(text, rest);
  return {
    text,
    object: objectToken.text,
    objectPosition: objectToken.position,
    count,
    fields,
    where,
    orderBy,
    limit,
    offset,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Execution

/** How values of a field type compare. */
type ValueKind = 'text' | 'id' | 'number' | 'boolean' | 'date' | 'datetime';

const KIND_BY_TYPE: Readonly<Record<FieldType, ValueKind>> = {
  id: 'id',
  reference: 'id',
  string: 'text',
  textarea: 'text',
  email: 'text',
  phone: 'text',
  url: 'text',
  picklist: 'text',
  multipicklist: 'text',
  boolean: 'boolean',
  int: 'number',
  double: 'number',
  currency: 'number',
  percent: 'number',
  date: 'date',
  datetime: 'datetime',
};

/** The type names Salesforce uses in filter errors. */
const TYPE_NAMES: Readonly<Record<FieldType, string>> = {
  id: 'id',
  reference: 'id',
  string: 'string',
  textarea: 'string',
  email: 'string',
  phone: 'string',
  url: 'string',
  picklist: 'string',
  multipicklist: 'string',
  boolean: 'boolean',
  int: 'integer',
  double: 'double',
  currency: 'double',
  percent: 'double',
  date: 'date',
  datetime: 'dateTime',
};

/** A value reduced to something `===` and `<` compare the way Salesforce does; null for no value. */
type Key = string | number;

const STORED_DATETIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;

/** A datetime as a UTC ISO string, so values written with different offsets compare as instants. */
function datetimeKey(value: string): string | null {
  // Records hold the REST form in UTC; only other spellings pay for a parse.
  if (STORED_DATETIME.test(value)) return `${value.slice(0, 23)}Z`;
  const ms = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** 15- and 18-character ids of one record share their first 15 (case-sensitive) characters. */
function idKey(value: string): string {
  return value.length === 18 ? value.slice(0, 15) : value;
}

/** Keys for WHERE. Salesforce stores an empty text as null, so '' and null are the same value. */
const FILTER_KEYS: Readonly<Record<ValueKind, (value: FieldValue) => Key | null>> = {
  text: (v) => (v === null || v === '' ? null : String(v).toLowerCase()),
  id: (v) => (v === null || v === '' ? null : idKey(String(v))),
  number: (v) => (typeof v === 'number' ? v : null),
  boolean: (v) => (typeof v === 'boolean' ? Number(v) : null),
  date: (v) => (typeof v === 'string' && v !== '' ? v : null),
  datetime: (v) => (typeof v === 'string' ? datetimeKey(v) : null),
};

/** Keys for ORDER BY: text sorts by its upper-case form, as Salesforce documents for English locales. */
const SORT_KEYS: Readonly<Record<ValueKind, (value: FieldValue) => Key | null>> = {
  ...FILTER_KEYS,
  text: (v) => (v === null || v === '' ? null : String(v).toUpperCase()),
  id: (v) => (v === null || v === '' ? null : String(v)),
};

function compareKeys(a: Key, b: Key): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type Read = (record: SObjectRecord) => FieldValue;
type Predicate = (record: SObjectRecord) => boolean;

interface ResolvedField {
  /** Canonical names, e.g. `Account.Ext_Id__c`. */
  readonly path: string;
  /** The reference fields walked to reach the field's record, and the objects they lead to. */
  readonly hops: readonly { readonly reference: FieldSchema; readonly target: SObjectSchema }[];
  readonly field: FieldSchema;
  readonly read: Read;
}

interface Context {
  readonly text: string;
  readonly source: SoqlDataSource;
  readonly root: SObjectSchema;
}

function invalidField(context: Context, position: number, detail: string): SoqlError {
  return new SoqlError('INVALID_FIELD', located(context.text, position, detail));
}

function resolveField(context: Context, ref: SoqlFieldRef): ResolvedField {
  const hops: { reference: FieldSchema; target: SObjectSchema }[] = [];
  let current = context.root;
  for (const name of ref.path.slice(0, -1)) {
    const reference = current.relationshipsByLowerName.get(name.toLowerCase());
    const target = reference?.referenceTo
      .map((object) => context.source.schemas.get(object))
      .find((schema) => schema !== undefined);
    if (!reference || !target) throw invalidField(context, ref.position, MESSAGES.unknownRelationship(name));
    hops.push({ reference, target });
    current = target;
  }
  const name = ref.path[ref.path.length - 1];
  const field = current.fieldsByLowerName.get(name.toLowerCase());
  if (!field) throw invalidField(context, ref.position, MESSAGES.unknownField(name, current.name));
  const path = [...hops.map((hop) => hop.reference.relationshipName!), field.name].join('.');
  // Booleans are never null in Salesforce: a record without the value reads false.
  const absent = field.type === 'boolean' ? false : null;
  const fieldName = field.name;
  const referenceNames = hops.map((hop) => hop.reference.name);
  const source = context.source;
  const read: Read =
    referenceNames.length === 0
      ? (record) => record[fieldName] ?? absent
      : (record) => {
          let node: SObjectRecord | undefined = record;
          for (const referenceName of referenceNames) {
            const id: FieldValue | undefined = node[referenceName];
            node = typeof id === 'string' && id !== '' ? source.recordById(id) : undefined;
            if (!node) return null;
          }
          return node[fieldName] ?? absent;
        };
  return { path, hops, field, read };
}

function isLongText(field: FieldSchema): boolean {
  return field.type === 'textarea' && field.length > 255;
}

function literalKey(resolved: ResolvedField, literal: SoqlLiteral): Key | null {
  const kind = KIND_BY_TYPE[resolved.field.type];
  const accepted: Readonly<Record<SoqlLiteral['kind'], boolean>> = {
    null: true,
    string: kind === 'text' || kind === 'id',
    number: kind === 'number',
    boolean: kind === 'boolean',
    date: kind === 'date',
    datetime: kind === 'datetime',
  };
  if (!accepted[literal.kind]) {
    const quoted = kind === 'text' || kind === 'id';
    throw new SoqlError('INVALID_FIELD', MESSAGES.filterType(resolved.path, TYPE_NAMES[resolved.field.type], quoted));
  }
  return literal.kind === 'null' ? null : FILTER_KEYS[kind](literal.value);
}

function likePattern(pattern: SoqlStringLiteral): RegExp {
  let source = '';
  walkLiteral(pattern.raw, (ch, escaped) => {
    if (!escaped && ch === '%') source += '[\\s\\S]*';
    else if (!escaped && ch === '_') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  });
  return new RegExp(`^${source}$`, 'i');
}

function compileComparison(resolved: ResolvedField, operator: SoqlComparisonOperator, literal: SoqlLiteral): Predicate {
  const key = FILTER_KEYS[KIND_BY_TYPE[resolved.field.type]];
  const read = resolved.read;
  const expected = literalKey(resolved, literal);
  if (expected === null) {
    if (operator === '=') return (record) => key(read(record)) === null;
    if (operator === '!=') return (record) => key(read(record)) !== null;
    return () => false;
  }
  // In SOQL a null field is unequal to every value, so `!=` keeps it, while ordering comparisons drop it.
  switch (operator) {
    case '=':
      return (record) => key(read(record)) === expected;
    case '!=':
      return (record) => key(read(record)) !== expected;
    case '<':
      return (record) => {
        const actual = key(read(record));
        return actual !== null && actual < expected;
      };
    case '<=':
      return (record) => {
        const actual = key(read(record));
        return actual !== null && actual <= expected;
      };
    case '>':
      return (record) => {
        const actual = key(read(record));
        return actual !== null && actual > expected;
      };
    case '>=':
      return (record) => {
        const actual = key(read(record));
        return actual !== null && actual >= expected;
      };
  }
}

/** Compiles the WHERE tree once into one function, so a query over many records does not re-walk the tree. */
function compileCondition(context: Context, condition: SoqlCondition): Predicate {
  switch (condition.kind) {
    case 'and':
    case 'or': {
      const operands = condition.operands.map((operand) => compileCondition(context, operand));
      const wanted = condition.kind === 'or';
      return (record) => {
        for (const operand of operands) {
          if (operand(record) === wanted) return wanted;
        }
        return !wanted;
      };
    }
    case 'not': {
      const operand = compileCondition(context, condition.operand);
      return (record) => !operand(record);
    }
    default:
      break;
  }
  const resolved = resolveField(context, condition.field);
  if (isLongText(resolved.field)) {
    throw invalidField(context, condition.field.position, MESSAGES.notFilterable(resolved.path));
  }
  switch (condition.kind) {
    case 'compare':
      return compileComparison(resolved, condition.operator, condition.value);
    case 'like': {
      literalKey(resolved, condition.pattern);
      const pattern = likePattern(condition.pattern);
      const read = resolved.read;
      return (record) => {
        const value = read(record);
        return typeof value === 'string' && value !== '' && pattern.test(value);
      };
    }
    case 'in': {
      const keys = condition.values.map((value) => literalKey(resolved, value));
      const matchesNull = keys.includes(null);
      const set = new Set(keys.filter((k): k is Key => k !== null));
      const key = FILTER_KEYS[KIND_BY_TYPE[resolved.field.type]];
      const read = resolved.read;
      const negated = condition.negated;
      return (record) => {
        const actual = key(read(record));
        return (actual === null ? matchesNull : set.has(actual)) !== negated;
      };
    }
  }
}

/** The selected fields of one record level: plain values, or a parent reached through a relationship. */
interface Projection {
  readonly columns: ProjectionColumn[];
}

type ProjectionColumn =
  | { readonly kind: 'value'; readonly key: string; readonly absent: FieldValue }
  | {
      readonly kind: 'parent';
      readonly key: string;
      readonly reference: string;
      readonly object: string;
      readonly projection: Projection;
    };

function buildProjection(context: Context, fields: readonly SoqlFieldRef[]): Projection {
  const root: Projection = { columns: [] };
  const seen = new Set<string>();
  for (const ref of fields) {
    const resolved = resolveField(context, ref);
    const lowerPath = resolved.path.toLowerCase();
    if (seen.has(lowerPath)) throw invalidField(context, ref.position, MESSAGES.duplicateField(resolved.path));
    seen.add(lowerPath);
    let level = root;
    for (const { reference, target } of resolved.hops) {
      const key = reference.relationshipName!;
      let parent = level.columns.find(
        (column): column is Extract<ProjectionColumn, { kind: 'parent' }> =>
          column.kind === 'parent' && column.key === key,
      );
      if (!parent) {
        parent = { kind: 'parent', key, reference: reference.name, object: target.name, projection: { columns: [] } };
        level.columns.push(parent);
      }
      level = parent.projection;
    }
    level.columns.push({
      kind: 'value',
      key: resolved.field.name,
      absent: resolved.field.type === 'boolean' ? false : null,
    });
  }
  return root;
}

function render(
  source: SoqlDataSource,
  apiVersion: string,
  record: SObjectRecord,
  object: string,
  projection: Projection,
): Record<string, unknown> {
  const row: Record<string, unknown> = {
    attributes: { type: object, url: `/services/data/v${apiVersion}/sobjects/${object}/${record.Id}` },
  };
  for (const column of projection.columns) {
    if (column.kind === 'value') {
      row[column.key] = record[column.key] ?? column.absent;
      continue;
    }
    const id = record[column.reference];
    const parent = typeof id === 'string' && id !== '' ? source.recordById(id) : undefined;
    // A polymorphic reference reports the parent's own type, not the first type the field can point at.
    const type = parent ? (source.schemas.forId(parent.Id)?.name ?? column.object) : column.object;
    row[column.key] = parent ? render(source, apiVersion, parent, type, column.projection) : null;
  }
  return row;
}

interface SortKey {
  readonly key: (record: SObjectRecord) => Key | null;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

function compileOrderBy(context: Context, orderBy: SoqlOrderBy): SortKey {
  const resolved = resolveField(context, orderBy.field);
  if (isLongText(resolved.field) || resolved.field.type === 'multipicklist') {
    throw invalidField(context, orderBy.field.position, MESSAGES.notSortable(resolved.path));
  }
  const toKey = SORT_KEYS[KIND_BY_TYPE[resolved.field.type]];
  const read = resolved.read;
  return {
    key: (record) => toKey(read(record)),
    descending: orderBy.direction === 'DESC',
    nullsFirst: orderBy.nulls === 'FIRST',
  };
}

function sortRecords(records: SObjectRecord[], sortKeys: readonly SortKey[]): SObjectRecord[] {
  const keyed = records.map((record) => ({ record, keys: sortKeys.map((sortKey) => sortKey.key(record)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < sortKeys.length; i++) {
      const x = a.keys[i];
      const y = b.keys[i];
      if (x === y) continue;
      // NULLS FIRST/LAST places nulls whatever the direction.
      if (x === null) return sortKeys[i].nullsFirst ? -1 : 1;
      if (y === null) return sortKeys[i].nullsFirst ? 1 : -1;
      const order = compareKeys(x, y);
      if (order !== 0) return sortKeys[i].descending ? -order : order;
    }
    return 0;
  });
  return keyed.map((entry) => entry.record);
}

/**
 * Runs a parsed query against the source. Names resolve case-insensitively and come back canonical; throws
 * SoqlError INVALID_TYPE, INVALID_FIELD or NUMBER_OUTSIDE_VALID_RANGE as Salesforce would.
 *
 * @param apiVersion the version in the record URLs, e.g. `62.0`
 */
export function executeSoql(query: SoqlQuery, source: SoqlDataSource, apiVersion: string): SoqlResult {
  const root = source.schemas.get(query.object);
  if (!root) {
    throw new SoqlError(
      'INVALID_TYPE',
      located(query.text, query.objectPosition, MESSAGES.unknownObject(query.object)),
    );
  }
  const context: Context = { text: query.text, source, root };
  const projection = buildProjection(context, query.fields);
  const predicate = query.where ? compileCondition(context, query.where) : undefined;
  const sortKeys = query.orderBy.map((orderBy) => compileOrderBy(context, orderBy));
  const offset = query.offset ?? 0;
  if (offset > MAX_OFFSET) throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', MESSAGES.offsetTooLarge);
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  // Unsorted rows come in source order, so the scan can stop once the page is full.
  const enough = sortKeys.length === 0 ? offset + limit : Number.POSITIVE_INFINITY;

  if (query.count && !predicate && source.count) {
    return {
      totalSize: Math.min(Math.max(source.count(root.name) - offset, 0), limit),
      records: [],
      object: root.name,
      isCount: true,
    };
  }
  if (query.count) {
    let matched = 0;
    for (const record of source.records(root.name)) {
      if (predicate && !predicate(record)) continue;
      if (++matched >= enough) break;
    }
    const totalSize = Math.min(Math.max(matched - offset, 0), limit);
    return { totalSize, records: [], object: root.name, isCount: true };
  }

  let matched: SObjectRecord[] = [];
  if (enough > 0) {
    for (const record of source.records(root.name)) {
      if (predicate && !predicate(record)) continue;
      matched.push(record);
      if (matched.length >= enough) break;
    }
  }
  if (sortKeys.length > 0) matched = sortRecords(matched, sortKeys);
  const page = matched.slice(offset, offset + limit);
  const records = page.map((record) => render(source, apiVersion, record, root.name, projection));
  return { totalSize: records.length, records, object: root.name, isCount: false };
}

/**
 * One column of the REST query resource's `columns=true` answer. The keys and their meaning are those of
 * recorded real answers (salesforcecli/plugin-data test/test-files/queryFields.exemplars.ts; the answer's
 * top level as jetstreamapp/jetstream libs/types/src/lib/salesforce/query.types.ts reads it).
 */
export interface SoqlColumnMetadata {
  readonly aggregate: boolean;
  readonly apexType: string | null;
  readonly booleanType: boolean;
  readonly columnName: string;
  readonly custom: boolean;
  readonly displayName: string;
  readonly foreignKeyName: string | null;
  readonly insertable: boolean;
  readonly joinColumns: readonly SoqlColumnMetadata[];
  readonly numberType: boolean;
  readonly textType: boolean;
  readonly updatable: boolean;
}

/** The answer of `GET …/query?q=<soql>&columns=true`: what the query would return, without running it. */
export interface SoqlColumns {
  readonly columnMetadata: readonly SoqlColumnMetadata[];
  readonly entityName: string;
  readonly groupBy: boolean;
  readonly idSelected: boolean;
  readonly keyPrefix: string;
}

/**
 * The Apex type a field's values have (the emulator's own mapping of its field types, from the Apex
 * Developer Guide's "Primitive Data Types"; recorded answers show `Id` for an id and `String` for text).
 */
const APEX_TYPES: Readonly<Record<FieldType, string>> = {
  id: 'Id',
  reference: 'Id',
  string: 'String',
  textarea: 'String',
  email: 'String',
  phone: 'String',
  url: 'String',
  picklist: 'String',
  multipicklist: 'String',
  boolean: 'Boolean',
  int: 'Integer',
  double: 'Double',
  currency: 'Double',
  percent: 'Double',
  date: 'Date',
  datetime: 'Datetime',
};

function fieldColumn(field: FieldSchema): SoqlColumnMetadata {
  const apexType = APEX_TYPES[field.type];
  return {
    aggregate: false,
    apexType,
    booleanType: apexType === 'Boolean',
    columnName: field.name,
    custom: field.custom,
    displayName: field.name,
    foreignKeyName: null,
    insertable: field.createable,
    joinColumns: [],
    numberType: apexType === 'Integer' || apexType === 'Double',
    textType: apexType === 'String',
    updatable: field.updateable,
  };
}

interface MutableColumn extends Omit<SoqlColumnMetadata, 'joinColumns'> {
  readonly joinColumns: MutableColumn[];
}

/**
 * Answers `columns=true` for a query: checks it as running it would (unknown objects and fields, filters
 * and sort keys give the same errors) but reads no record. A parent field (`Account.Name`) is one column
 * per relationship holding its fields in `joinColumns`, as in the recorded answers. `SELECT COUNT()` has no
 * columns (assumed: no recorded answer for it was found).
 */
export function soqlColumns(query: SoqlQuery, schemas: SchemaRegistry): SoqlColumns {
  const root = schemas.get(query.object);
  if (!root) {
    throw new SoqlError(
      'INVALID_TYPE',
      located(query.text, query.objectPosition, MESSAGES.unknownObject(query.object)),
    );
  }
  const source: SoqlDataSource = { schemas, records: () => [], recordById: () => undefined };
  const context: Context = { text: query.text, source, root };
  // The same checks as executeSoql, so a query refused there is refused here with the same error.
  buildProjection(context, query.fields);
  if (query.where) compileCondition(context, query.where);
  for (const orderBy of query.orderBy) compileOrderBy(context, orderBy);
  const columns: MutableColumn[] = [];
  for (const ref of query.fields) {
    const resolved = resolveField(context, ref);
    let level = columns;
    for (const { reference } of resolved.hops) {
      const name = reference.relationshipName!;
      let join = level.find((c) => c.columnName === name && c.joinColumns.length > 0);
      if (!join) {
        join = {
          aggregate: false,
          apexType: null,
          booleanType: false,
          columnName: name,
          custom: reference.custom,
          displayName: name,
          foreignKeyName: reference.name,
          insertable: false,
          joinColumns: [],
          numberType: false,
          textType: false,
          updatable: false,
        };
        level.push(join);
      }
      level = join.joinColumns;
    }
    level.push({ ...fieldColumn(resolved.field), joinColumns: [] });
  }
  return {
    columnMetadata: columns,
    entityName: root.name,
    groupBy: false,
    idSelected: columns.some((c) => c.columnName === 'Id' && c.joinColumns.length === 0),
    keyPrefix: root.keyPrefix,
  };
}

/** A selected field as a Bulk API 2.0 query result column: its header and where its value is in a record. */
export interface SoqlColumnPath {
  /** Canonical path, e.g. `Account.Name`: the CSV header. */
  readonly name: string;
  /** The keys to follow in a record executeSoql returns (relationship names, then the field). */
  readonly keys: readonly string[];
  readonly type: FieldType;
}

/** The selected fields of a (checked) query in select order, as columns. */
export function soqlColumnPaths(query: SoqlQuery, schemas: SchemaRegistry): SoqlColumnPath[] {
  const root = schemas.get(query.object);
  if (!root) return [];
  const context: Context = {
    text: query.text,
    source: { schemas, records: () => [], recordById: () => undefined },
    root,
  };
  return query.fields.map((ref) => {
    const resolved = resolveField(context, ref);
    return {
      name: resolved.path,
      keys: [...resolved.hops.map((hop) => hop.reference.relationshipName!), resolved.field.name],
      type: resolved.field.type,
    };
  });
}
