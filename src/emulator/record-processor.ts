import { csvRows } from './csv-rows';
import { OrgData, RowDecoder, RowSource } from './org-data';
import { RecordError } from './record-errors';
import { toCaseSafeId } from './salesforce-id';
import { FieldSchema, FieldValue, SchemaRegistry, SObjectSchema } from './sobject-schema';

/** Bulk API 2.0 ingest operations. */
export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

export const INGEST_OPERATIONS: readonly IngestOperation[] = ['insert', 'update', 'upsert', 'delete', 'hardDelete'];

/** A header column resolved against the object: a field, or a `Parent.ExternalId__c` relationship reference. */
export type ColumnPlan =
  | { readonly kind: 'field'; readonly header: string; readonly field: FieldSchema }
  | {
      readonly kind: 'relationship';
      readonly header: string;
      readonly field: FieldSchema;
      readonly parent: SObjectSchema;
      readonly parentField: FieldSchema;
    };

/** A header that makes the whole job fail, as Salesforce's `InvalidBatch` does. */
export class InvalidBatchError extends Error {
  constructor(readonly detail: string) {
    super(`InvalidBatch : ${detail}`);
    this.name = 'InvalidBatchError';
  }
}

/** Resolves a job's header; throws InvalidBatchError for a column that is not a field. */
export function planColumns(
  schemas: SchemaRegistry,
  object: SObjectSchema,
  operation: IngestOperation,
  header: readonly string[],
  externalIdField: FieldSchema | undefined,
): ColumnPlan[] {
  const plans: ColumnPlan[] = [];
  const seen = new Set<string>();
  for (const raw of header) {
    const name = raw.trim();
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new InvalidBatchError(`Duplicate field name found : ${name}`);
    seen.add(lower);
    const dot = name.indexOf('.');
    if (dot > 0) {
      const relationship = object.relationshipsByLowerName.get(name.slice(0, dot).toLowerCase());
      const parent = relationship ? schemas.get(relationship.referenceTo[0]!) : undefined;
      const parentField = parent?.fieldsByLowerName.get(name.slice(dot + 1).toLowerCase());
      if (!relationship || !parent || !parentField || !(parentField.idLookup || parentField.externalId)) {
        throw new InvalidBatchError(`Field name not found : ${name}`);
      }
      plans.push({ kind: 'relationship', header: raw, field: relationship, parent, parentField });
      continue;
    }
    const field = object.fieldsByLowerName.get(lower);
    if (!field) throw new InvalidBatchError(`Field name not found : ${name}`);
    plans.push({ kind: 'field', header: raw, field });
  }
  if ((operation === 'delete' || operation === 'hardDelete') && (plans.length !== 1 || plans[0]!.field.name !== 'Id')) {
    throw new InvalidBatchError(`The '${operation}' batch must contain only 'Id'`);
  }
  if (operation === 'update' && !plans.some((p) => p.kind === 'field' && p.field.name === 'Id')) {
    throw new InvalidBatchError("The 'update' batch must contain the 'Id' column");
  }
  if (
    operation === 'upsert' &&
    externalIdField &&
    !plans.some((p) => p.kind === 'field' && p.field === externalIdField)
  ) {
    throw new InvalidBatchError(`The 'upsert' batch must contain the external id column '${externalIdField.name}'`);
  }
  return plans;
}

/** An upsert key value as upsert looked it up. */
interface LookedUpKey {
  readonly field: FieldSchema;
  readonly value: string;
}

/** The outcome of one row. */
export type RowOutcome =
  { readonly id: string; readonly created: boolean } | { readonly error: RecordError; readonly id: string };

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

const NO_PARENTS: readonly string[] = Object.freeze([]);

/** The explicit null of a Bulk API CSV: it clears the field (an empty value leaves it as it is). */
const NULL_MARKER = '#N/A';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether y-m-d is a day of the proleptic Gregorian calendar (no Date object: it runs for every date value). */
function isValidDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= DAYS_IN_MONTH[m - 1]! + (leap ? 1 : 0);
}

/** Applies rows of one job to an org's data with Salesforce's validation rules. */
export class RecordProcessor {
  /** External id values seen in the current 200-record chunk (Salesforce rejects duplicates within one chunk). */
  private chunkExternalIds = new Set<string>();
  /** Column index of each plain field column. */
  private readonly fieldColumn = new Map<string, number>();
  private readonly requiredOnCreate: readonly FieldSchema[];
  private readonly uniqueFields: readonly FieldSchema[];
  /** The record timestamp of the current chunk: Salesforce stamps one transaction with one time. */
  private chunkTime = '';
  /** The current row as uploaded, when the caller gave it: records are then stored as that row (RowSource). */
  private rowText: string | undefined;
  /** Parent ids the current row's relationship columns resolved to, in column order (only if it has any). */
  private resolvedParents: string[] | undefined;
  /** Decode the stored rows of this job back into the values an insert or an update wrote. */
  private readonly decoders: Readonly<Record<'create' | 'update', RowDecoder>>;

  constructor(
    private readonly data: OrgData,
    private readonly object: SObjectSchema,
    private readonly operation: IngestOperation,
    private readonly columns: readonly ColumnPlan[],
    private readonly externalIdField: FieldSchema | undefined,
    private readonly userId: string,
    private readonly clock: () => Date,
    private readonly delimiter = ',',
  ) {
    columns.forEach((c, i) => {
      if (c.kind === 'field') this.fieldColumn.set(c.field.name, i);
    });
    this.decoders = {
      create: { decode: (row, parents) => this.decode(row, 'create', parents) },
      update: { decode: (row, parents) => this.decode(row, 'update', parents) },
    };
    this.uniqueFields = object.fields.filter((f) => f.unique);
    this.requiredOnCreate = object.fields.filter(
      (f) => !f.nillable && f.createable && !f.defaultedOnCreate && f.type !== 'boolean',
    );
  }

  /** Called at each 200-record chunk boundary. */
  startChunk(): void {
    this.chunkExternalIds = new Set();
    this.chunkTime = formatDateTime(this.clock());
  }

  /**
   * @param rowText the row as uploaded (without its line break): given, the records it writes are kept as
   * this text and decoded when read (see RowSource), which keeps a million stored records small
   */
  process(row: readonly string[], rowText?: string): RowOutcome {
    this.rowText = rowText;
    this.resolvedParents = undefined;
    try {
      switch (this.operation) {
        case 'insert':
          return this.insert(row);
        case 'update':
          return this.update(row);
        case 'upsert':
          return this.upsert(row);
        case 'delete':
        case 'hardDelete':
          return this.remove(row, this.operation === 'hardDelete');
      }
    } catch (err) {
      if (err instanceof RecordError) return { error: err, id: '' };
      throw err;
    }
  }

  private now(): string {
    return this.chunkTime || formatDateTime(this.clock());
  }

  /** @param lookedUp the upsert key, when it was just looked up and matched no record */
  private insert(row: readonly string[], lookedUp?: LookedUpKey): RowOutcome {
    const values = this.convert(row, 'create');
    this.checkRequired(values);
    this.checkUnique(values, undefined, lookedUp);
    const id = this.data.insert(this.object, values, this.now(), this.userId, this.source('create'));
    return { id, created: true };
  }

  private update(row: readonly string[]): RowOutcome {
    const id = this.existingId(this.valueOf(row, 'Id'));
    const values = this.convert(row, 'update');
    delete values.Id;
    this.checkNotNulled(values);
    this.checkUnique(values, id, undefined);
    this.data.update(this.object, id, values, this.now(), this.userId, this.source('update'));
    return { id, created: false };
  }

  private upsert(row: readonly string[]): RowOutcome {
    const field = this.externalIdField!;
    const key = this.valueOf(row, field.name);
    if (key === undefined || key === '' || key === NULL_MARKER) {
      throw new RecordError('MISSING_ARGUMENT', `${field.name} not specified`);
    }
    if (field.name === 'Id') return this.update(row);
    const normalizedKey = field.caseSensitive ? key : key.toLowerCase();
    if (this.chunkExternalIds.has(normalizedKey)) {
      throw new RecordError('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${key}`, [field.name]);
    }
    this.chunkExternalIds.add(normalizedKey);
    const matches = this.data.findBy(this.object, field, key);
    if (matches.length > 1) {
      throw new RecordError(
        'DUPLICATE_EXTERNAL_ID',
        `${field.label}: more than one record found for external id field: [${matches.join(', ')}]`,
        [field.name],
      );
    }
    if (matches.length === 0) return this.insert(row, { field, value: key });
    const id = matches[0]!;
    const values = this.convert(row, 'update');
    this.checkNotNulled(values);
    const lookedUp = { field, value: key };
    this.checkUnique(values, id, lookedUp);
    this.data.update(this.object, id, values, this.now(), this.userId, this.source('update'), lookedUp);
    return { id, created: false };
  }

  private remove(row: readonly string[], hard: boolean): RowOutcome {
    const id = this.existingId(this.valueOf(row, 'Id'));
    this.data.delete(this.object, id, hard);
    return { id, created: false };
  }

  /** What the current row writes, as the stored form of its values; undefined when no row text was given. */
  private source(mode: 'create' | 'update'): RowSource | undefined {
    if (this.rowText === undefined) return undefined;
    return { row: this.rowText, decoder: this.decoders[mode], parents: this.resolvedParents };
  }

  /**
   * The values a stored row wrote, converted again as when it was processed; checks that depend on the
   * org (does a referenced record exist) are not run again, and relationship columns take the parent ids
   * they resolved to then.
   */
  private decode(rowText: string, mode: 'create' | 'update', parents: readonly string[] | undefined) {
    const row = csvRows(rowText, this.delimiter).next();
    const values = this.convert(row.done ? [] : row.value, mode, parents ?? NO_PARENTS);
    if (mode === 'update') delete values.Id;
    return values;
  }

  private valueOf(row: readonly string[], fieldName: string): string | undefined {
    const index = this.fieldColumn.get(fieldName);
    return index === undefined ? undefined : row[index];
  }

  /** The 18-character id of a live record of this object, or the error Salesforce gives for it. */
  private existingId(raw: string | undefined): string {
    const value = (raw ?? '').trim();
    if (value === '') throw new RecordError('MISSING_ARGUMENT', `Id not specified in an ${this.operation} call`);
    const id = toCaseSafeId(value);
    if (!id || id.slice(0, 3) !== this.object.keyPrefix) {
      throw new RecordError('MALFORMED_ID', `${this.object.label} ID: id value of incorrect type: ${value}`, ['Id']);
    }
    if (this.data.isDeleted(id)) throw new RecordError('ENTITY_IS_DELETED', 'entity is deleted');
    if (!this.data.has(id)) throw new RecordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
    return id;
  }

  /** @param replay the parent ids of a stored row being decoded (see decode); undefined while processing */
  private convert(
    row: readonly string[],
    mode: 'create' | 'update',
    replay?: readonly string[],
  ): Record<string, FieldValue> {
    const values: Record<string, FieldValue> = {};
    let notWritable: string[] | undefined;
    let parent = 0;
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
        if (!(column.kind === 'field' && field === this.externalIdField)) {
          (notWritable ??= []).push(column.header.trim());
        }
        continue;
      }
      if (raw === NULL_MARKER) {
        values[field.name] = field.type === 'boolean' ? false : null;
        continue;
      }
      if (column.kind === 'relationship') {
        values[field.name] = replay ? replay[parent++]! : this.resolveParent(column, raw);
      } else {
        values[field.name] = this.convertValue(field, raw, replay === undefined);
      }
    }
    if (notWritable) {
      throw new RecordError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        notWritable,
      );
    }
    return values;
  }

  /** The id of the one parent record a relationship value names; kept for the row's stored form. */
  private resolveParent(column: Extract<ColumnPlan, { kind: 'relationship' }>, raw: string): string {
    const id = this.findParent(column, raw);
    (this.resolvedParents ??= []).push(id);
    return id;
  }

  private findParent(column: Extract<ColumnPlan, { kind: 'relationship' }>, raw: string): string {
    const matches = this.data.findBy(column.parent, column.parentField, raw);
    if (matches.length === 0) {
      throw new RecordError(
        'INVALID_FIELD',
        `Foreign key external ID: ${raw} not found for field ${column.parentField.name} in entity ${column.parent.name}`,
      );
    }
    if (matches.length > 1) {
      throw new RecordError(
        'INVALID_FIELD',
        `Foreign key external ID: ${raw} matched more than one record for field ${column.parentField.name} in entity ${column.parent.name}`,
      );
    }
    return matches[0]!;
  }

  /** @param check whether to check a referenced record exists (not when a stored row is decoded) */
  private convertValue(field: FieldSchema, raw: string, check: boolean): FieldValue {
    const typeError = typeMismatch;
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
        throw typeError(field, raw);
      }
      case 'int':
      case 'double':
      case 'currency':
      case 'percent': {
        const text = raw.trim();
        if (!NUMBER.test(text) || (field.type === 'int' && !/^[+-]?\d+$/.test(text))) throw typeError(field, raw);
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
        if (!m || !isValidDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw typeError(field, raw);
        return `${m[1]}-${m[2]}-${m[3]}`;
      }
      case 'datetime': {
        const text = raw.trim();
        const m = DATETIME.exec(text);
        if (!m || !isValidDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw typeError(field, raw);
        const [hh, mm, ss] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
        if (hh > 23 || mm > 59 || ss > 59) throw typeError(field, raw);
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
        const target = id ? this.data.schemas.forId(id) : undefined;
        if (!id || !target || !field.referenceTo.some((t) => t.toLowerCase() === target.name.toLowerCase())) {
          if (field.referenceTo.includes('User') && id?.startsWith('005')) return id;
          throw new RecordError('MALFORMED_ID', `${field.label}: id value of incorrect type: ${value}`, [field.name]);
        }
        if (!check) return id;
        if (this.data.isDeleted(id)) throw new RecordError('ENTITY_IS_DELETED', 'entity is deleted', [field.name]);
        if (!this.data.has(id)) {
          throw new RecordError('INVALID_CROSS_REFERENCE_KEY', `${field.label}: invalid cross reference id`, [
            field.name,
          ]);
        }
        return id;
      }
    }
  }

  private checkRequired(values: Record<string, FieldValue>): void {
    const missing: string[] = [];
    for (const f of this.requiredOnCreate) {
      if (values[f.name] === undefined || values[f.name] === null || values[f.name] === '') missing.push(f.name);
    }
    if (missing.length === 0) return;
    throw new RecordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  }

  private checkNotNulled(values: Record<string, FieldValue>): void {
    const nulled: string[] = [];
    for (const name of Object.keys(values)) {
      if (values[name] !== null) continue;
      const field = this.object.fieldsByLowerName.get(name.toLowerCase())!;
      if (!field.nillable && field.type !== 'boolean') nulled.push(field.name);
    }
    if (nulled.length > 0) {
      throw new RecordError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${nulled.join(', ')}]`, nulled);
    }
  }

  /**
   * @param lookedUp the upsert key, just looked up: it matched no record, or only `ownId`, so looking the same
   * value up again could only say the same
   */
  private checkUnique(
    values: Record<string, FieldValue>,
    ownId: string | undefined,
    lookedUp: LookedUpKey | undefined,
  ): void {
    for (const field of this.uniqueFields) {
      const value = values[field.name];
      if (field === lookedUp?.field && value === lookedUp.value) continue;
      if (value === undefined || value === null || value === '') continue;
      const other = this.data.findBy(this.object, field, String(value)).find((id) => id !== ownId);
      if (other) {
        throw new RecordError(
          'DUPLICATE_VALUE',
          `duplicate value found: ${field.name} duplicates value on record with id: ${other}`,
        );
      }
    }
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
