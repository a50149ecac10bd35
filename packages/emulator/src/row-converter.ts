import { ColumnPlan, IngestOperation } from './column-plan';
import { RecordError } from './record-errors';
import { toCaseSafeId } from './salesforce-id';
import { FieldSchema, FieldValue, SchemaRegistry, SObjectSchema } from './sobject-schema';

/** Whether a row writes a new record (insert, upsert without a match) or an existing one. */
export type WriteMode = 'create' | 'update';

/**
 * A column whose check needs the org's records, left to the thread that holds them: a reference column
 * (`value` is the 18-character id: does that record exist?) or a relationship column (`value` as uploaded:
 * which parent has it?).
 */
export interface DeferredColumn {
  readonly column: number;
  readonly value: string;
}

/**
 * What converting one row in one mode found, from the row and the schema alone. Errors are reported in
 * Salesforce's order by RecordProcessor: the deferred columns before `errorColumn`, then `error`, then
 * `notWritable`, then `check`.
 */
export interface Conversion {
  /**
   * The converted values. A relationship column holds its value as uploaded until the org resolves it to
   * the parent's id (a placeholder in the field's place, so the order of the fields is the columns').
   */
  readonly values: Record<string, FieldValue>;
  /** The first value that does not convert, and its column (Infinity if none). */
  readonly error?: RecordError;
  readonly errorColumn: number;
  /** Columns the job may not write in this mode, reported only when every value converts. */
  readonly notWritable?: RecordError;
  /** Required fields missing (create) or cleared with #N/A (update), reported after the values. */
  readonly check?: RecordError;
  readonly deferred?: readonly DeferredColumn[];
}

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** The explicit null of a Bulk API CSV: it clears the field (an empty value leaves it as it is). */
export const NULL_MARKER = '#N/A';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether y-m-d is a day of the proleptic Gregorian calendar (no Date object: it runs for every date value). */
function isValidDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= DAYS_IN_MONTH[m - 1]! + (leap ? 1 : 0);
}

/**
 * The half of Salesforce's record validation that needs only the row and the schema: types, lengths,
 * formats, picklists, writability, required fields. It holds no records, so it can run anywhere (on a
 * worker thread, ahead of the records' thread); RecordProcessor does the rest.
 */
export class RowConverter {
  private readonly requiredOnCreate: readonly FieldSchema[];
  /** Whether create and update convert every column alike (then an upsert row is converted once). */
  private readonly modesAgree: boolean;

  constructor(
    private readonly schemas: SchemaRegistry,
    object: SObjectSchema,
    private readonly operation: IngestOperation,
    private readonly columns: readonly ColumnPlan[],
    private readonly externalIdFieldName: string | undefined,
  ) {
    this.requiredOnCreate = object.fields.filter(
      (f) => !f.nillable && f.createable && !f.defaultedOnCreate && f.type !== 'boolean',
    );
    this.modesAgree = columns.every((c) => c.field.name !== 'Id' && c.field.createable === c.field.updateable);
  }

  /** The conversions a row needs for the job's operation: create, update, or both for an upsert. */
  convertRow(row: readonly string[]): { create?: Conversion; update?: Conversion } {
    switch (this.operation) {
      case 'insert':
        return { create: this.convert(row, 'create') };
      case 'update':
        return { update: this.convert(row, 'update') };
      case 'upsert': {
        if (!this.modesAgree) return { create: this.convert(row, 'create'), update: this.convert(row, 'update') };
        const create = this.convert(row, 'create');
        // Same values and errors; only the final check differs (and only one of the two is ever applied).
        const update: Conversion = {
          values: create.values,
          errorColumn: create.errorColumn,
          error: create.error,
          notWritable: create.notWritable,
          deferred: create.deferred,
          check: create.error || create.notWritable ? undefined : this.checkNotNulled(create.values),
        };
        return { create, update };
      }
      case 'delete':
      case 'hardDelete':
        return {};
    }
  }

  /** Converts a row's values for one mode. */
  convert(row: readonly string[], mode: WriteMode): Conversion {
    const values: Record<string, FieldValue> = {};
    let notWritable: string[] | undefined;
    let deferred: DeferredColumn[] | undefined;
    let error: RecordError | undefined;
    let errorColumn = Infinity;
    for (let i = 0; i < this.columns.length; i++) {
      const column = this.columns[i]!;
      const raw = row[i] ?? '';
      if (raw === '') continue;
      const field = column.field;
      if (field.name === 'Id') {
        if (mode === 'update') values.Id = raw;
        else (notWritable ??= []).push(field.name);
        continue;
      }
      const writable = mode === 'create' ? field.createable : field.updateable;
      if (!writable) {
        // The upsert key may be read-only on update (it only locates the record).
        if (!(column.kind === 'field' && field.name === this.externalIdFieldName)) {
          (notWritable ??= []).push(column.header.trim());
        }
        continue;
      }
      if (raw === NULL_MARKER) {
        values[field.name] = field.type === 'boolean' ? false : null;
        continue;
      }
      if (column.kind === 'relationship') {
        values[field.name] = raw;
        (deferred ??= []).push({ column: i, value: raw });
        continue;
      }
      try {
        const value = this.convertValue(field, raw);
        values[field.name] = value;
        if (
          (field.type === 'reference' || field.type === 'id') &&
          typeof value === 'string' &&
          this.isRecordId(field, value)
        ) {
          (deferred ??= []).push({ column: i, value });
        }
      } catch (err) {
        if (!(err instanceof RecordError)) throw err;
        error = err;
        errorColumn = i;
        break;
      }
    }
    // One object of one shape per row (it is made for every row).
    return {
      values,
      errorColumn,
      error,
      notWritable: notWritable
        ? new RecordError(
            'INVALID_FIELD_FOR_INSERT_UPDATE',
            `Unable to create/update fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
            notWritable,
          )
        : undefined,
      deferred,
      check:
        error || notWritable ? undefined : mode === 'create' ? this.checkRequired(values) : this.checkNotNulled(values),
    };
  }

  /**
   * Whether a converted reference value names a record of an object the field refers to (its existence
   * is then checked by the org); an id of a User the registry does not hold is taken as it is.
   */
  private isRecordId(field: FieldSchema, id: string): boolean {
    const target = this.schemas.forId(id);
    return target !== undefined && field.referenceTo.some((t) => t.toLowerCase() === target.name.toLowerCase());
  }

  /** The value a field stores for a non-empty raw value, or the RecordError Salesforce gives for it. */
  private convertValue(field: FieldSchema, raw: string): FieldValue {
    switch (field.type) {
      case 'string':
      case 'textarea':
      case 'phone':
      case 'url':
      case 'email':
      case 'picklist':
      case 'multipicklist': {
        // Counting code points copies the value; one within the limit in UTF-16 units is within it in code points.
        if (field.length > 0 && raw.length > field.length && [...raw].length > field.length) {
          throw new RecordError(
            'STRING_TOO_LONG',
            `${field.label}: data value too large: ${raw.length > 100 ? `${raw.slice(0, 100)}...` : raw} (max length=${field.length})`,
            [field.name],
          );
        }
        if (field.type === 'email' && !EMAIL.test(raw)) {
          throw new RecordError('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${raw}`, [field.name]);
        }
        if (field.restrictedPicklist) {
          const parts = field.type === 'multipicklist' ? raw.split(';') : [raw];
          for (const part of parts) {
            if (!field.picklistValues.includes(part)) {
              throw new RecordError(
                'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
                `${field.label}: bad value for restricted picklist field: ${part}`,
                [field.name],
              );
            }
          }
        }
        return raw;
      }
      case 'boolean': {
        const lower = raw.trim().toLowerCase();
        if (lower === 'true' || lower === '1') return true;
        if (lower === 'false' || lower === '0') return false;
        throw typeMismatch(field, raw);
      }
      case 'int':
      case 'double':
      case 'currency':
      case 'percent': {
        const text = raw.trim();
        if (!NUMBER.test(text) || (field.type === 'int' && !/^[+-]?\d+$/.test(text))) throw typeMismatch(field, raw);
        const value = Number(text);
        const integerDigits = Math.abs(Math.trunc(value)).toString().length;
        if (!Number.isFinite(value) || (Math.trunc(value) !== 0 && integerDigits > field.precision - field.scale)) {
          throw new RecordError(
            'NUMBER_OUTSIDE_VALID_RANGE',
            `${field.label}: value outside of valid range on numeric field: ${raw}`,
            [field.name],
          );
        }
        return field.type === 'int' ? value : roundHalfUp(value, field.scale);
      }
      case 'date': {
        const text = raw.trim();
        const m = DATE.exec(text) ?? DATETIME.exec(text);
        if (!m || !isValidDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw typeMismatch(field, raw);
        return `${m[1]}-${m[2]}-${m[3]}`;
      }
      case 'datetime': {
        const text = raw.trim();
        const m = DATETIME.exec(text);
        if (!m || !isValidDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw typeMismatch(field, raw);
        const [hh, mm, ss] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
        if (hh > 23 || mm > 59 || ss > 59) throw typeMismatch(field, raw);
        const ms = Number((m[7] ?? '0').padEnd(3, '0'));
        let offsetMinutes = 0;
        if (m[8] && m[8] !== 'Z') {
          const sign = m[8].startsWith('-') ? -1 : 1;
          const digits = m[8].slice(1).replace(':', '');
          offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
        }
        const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hh, mm, ss, ms) - offsetMinutes * 60_000;
        return formatDateTime(new Date(utc));
      }
      case 'reference':
      case 'id': {
        const value = raw.trim();
        const id = toCaseSafeId(value);
        if (id && this.isRecordId(field, id)) return id;
        if (field.referenceTo.includes('User') && id?.startsWith('005')) return id;
        throw new RecordError('MALFORMED_ID', `${field.label}: id value of incorrect type: ${value}`, [field.name]);
      }
    }
  }

  private checkRequired(values: Record<string, FieldValue>): RecordError | undefined {
    const missing: string[] = [];
    for (const f of this.requiredOnCreate) {
      if (values[f.name] === undefined || values[f.name] === null || values[f.name] === '') missing.push(f.name);
    }
    if (missing.length === 0) return undefined;
    return new RecordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  }

  private checkNotNulled(values: Record<string, FieldValue>): RecordError | undefined {
    const nulled: string[] = [];
    for (const column of this.columns) {
      const field = column.field;
      if (values[field.name] !== null) continue;
      if (!field.nillable && field.type !== 'boolean' && !nulled.includes(field.name)) nulled.push(field.name);
    }
    if (nulled.length === 0) return undefined;
    return new RecordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${nulled.join(', ')}]`, nulled);
  }
}

/** Rounds half away from zero at `scale` decimals, in decimal (1.005 → 1.01, where value * 100 gives 100.49…). */
function roundHalfUp(value: number, scale: number): number {
  const shifted = Number(`${Math.abs(value)}e${scale}`);
  if (!Number.isFinite(shifted)) return Math.sign(value) * (Math.round(Math.abs(value) * 10 ** scale) / 10 ** scale);
  return Math.sign(value) * Number(`${Math.round(shifted)}e-${scale}`);
}

function typeMismatch(field: FieldSchema, raw: string): RecordError {
  return new RecordError('INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.label}: value not of required type: ${raw}`, [
    field.name,
  ]);
}

/** Salesforce's datetime format in REST responses: 2026-01-02T03:04:05.000+0000. */
export function formatDateTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}
