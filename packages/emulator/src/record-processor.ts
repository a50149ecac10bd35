import { ColumnPlan, IngestOperation } from './column-plan';
import { csvRows } from './csv-rows';
import { JobText, OrgData, RowDecoder, RowSource } from './org-data';
import { RecordError } from './record-errors';
import { Conversion, DeferredColumn, formatDateTime, NULL_MARKER, RowConverter, WriteMode } from './row-converter';
import { toCaseSafeId } from './salesforce-id';
import { FieldSchema, FieldValue, SObjectSchema } from './sobject-schema';

export { formatDateTime } from './row-converter';

/** An upsert key value as upsert looked it up. */
interface LookedUpKey {
  readonly field: FieldSchema;
  readonly value: string;
}

/** The outcome of one row. */
export type RowOutcome =
  { readonly id: string; readonly created: boolean } | { readonly error: RecordError; readonly id: string };

const NO_PARENTS: readonly string[] = Object.freeze([]);

/** One row's conversions (see RowConverter), made here or on another thread. */
export type ConvertedRow = ReturnType<RowConverter['convertRow']>;

/**
 * Applies rows of one job to an org's data with Salesforce's validation rules: RowConverter checks what
 * the row and the schema decide; this class checks what the org's records decide (ids that must exist,
 * parents found by external id, unique values, upsert matches) and writes the records.
 */
export class RecordProcessor {
  /** Upsert keys (normalized as the key field compares them) that more than one row of the current chunk holds. */
  private chunkDuplicateKeys: ReadonlySet<string> = new Set<string>();
  /** Column index of each plain field column. */
  private readonly fieldColumn = new Map<string, number>();
  private readonly uniqueFields: readonly FieldSchema[];
  /** The record timestamp of the current chunk: Salesforce stamps one transaction with one time. */
  private chunkTime = '';
  /**
   * The text the current row lies in (from `start` to `end`), when the caller gave it: records are then
   * stored as that row (RowSource).
   */
  private text: string | undefined;
  private start = 0;
  private end = 0;
  /** The stored rows' job texts for the current text, one per write mode. */
  private jobTexts: { readonly text: string; readonly create: JobText; readonly update: JobText } | undefined;
  /** Parent ids the current row's relationship columns resolved to, in column order (only if it has any). */
  private resolvedParents: string[] | undefined;
  /** Decode the stored rows of this job back into the values an insert or an update wrote. */
  private readonly decoders: Readonly<Record<WriteMode, RowDecoder>>;
  readonly converter: RowConverter;

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
    this.converter = new RowConverter(data.schemas, object, operation, columns, externalIdField?.name);
    this.uniqueFields = object.fields.filter((f) => f.unique);
    this.decoders = {
      create: { decode: (row, parents) => this.decode(row, 'create', parents) },
      update: { decode: (row, parents) => this.decode(row, 'update', parents) },
    };
  }

  /**
   * Called at each 200-record chunk boundary with the chunk's rows, before any of them is processed. An
   * upsert key that two rows of one chunk share fails every row that holds it, with DUPLICATE_VALUE
   * "Duplicate external id specified" (sources in docs/emulator.md: a recorded Apex upsert answer in
   * salesforce.stackexchange.com/questions/296121, where row 0 fails; Salesforce Help 000384876 "Error
   * 'Duplicate Id Specified'": duplicates within one batch fail, across batches the last row wins; the
   * connectors castled's SalesforceErrorParser and Gearset's data-deployment notes, which tell this from
   * DUPLICATE_EXTERNAL_ID, the answer when several existing records match). Likewise an `Id` that two rows of
   * one chunk of an update (or of an upsert on Id) share fails every row that holds it, with "Duplicate id
   * specified: <id>" (Salesforce Help 000384876); that answer's error code is not in a source, DUPLICATE_VALUE
   * is assumed (docs/emulator.md, fidelity table).
   */
  startChunk(rows: readonly (readonly string[])[] = []): void {
    this.chunkDuplicateKeys = this.duplicateKeys(rows);
    this.chunkTime = formatDateTime(this.clock());
  }

  /** The upsert keys (normalized) that more than one of `rows` holds; none for other operations or an Id key. */
  private duplicateKeys(rows: readonly (readonly string[])[]): ReadonlySet<string> {
    const field = this.operation === 'update' ? this.object.fields.find((f) => f.name === 'Id') : this.externalIdField;
    const column = field ? this.fieldColumn.get(field.name) : undefined;
    const duplicates = new Set<string>();
    if ((this.operation !== 'upsert' && this.operation !== 'update') || !field || column === undefined) {
      return duplicates;
    }
    const seen = new Set<string>();
    for (const row of rows) {
      const key = this.chunkKey(field, row[column]);
      if (key === undefined) continue;
      if (seen.has(key)) duplicates.add(key);
      else seen.add(key);
    }
    return duplicates;
  }

  /** A row's key as two rows of a chunk are compared: Ids in their 18-character form, other keys by the field's case rule. */
  private chunkKey(field: FieldSchema, key: string | undefined): string | undefined {
    if (key === undefined || key === '' || key === NULL_MARKER) return undefined;
    if (field.name === 'Id') return toCaseSafeId(key.trim()) || undefined;
    return field.caseSensitive ? key : key.toLowerCase();
  }

  /** Fails a row whose Id another row of its chunk holds too (see {@link startChunk}). */
  private checkDuplicateId(raw: string | undefined): void {
    const key = raw === undefined ? undefined : toCaseSafeId(raw.trim());
    if (key && this.chunkDuplicateKeys.has(key)) {
      throw new RecordError('DUPLICATE_VALUE', `Duplicate id specified: ${raw!.trim()}`, ['Id']);
    }
  }

  /**
   * @param text the job's text, the row lying in it from `start` to `end` (without its line break): given,
   * the records the row writes are kept as that place in the text and decoded when read (see RowSource),
   * which keeps a million stored records small
   */
  process(row: readonly string[], text?: string, start = 0, end = text?.length ?? 0): RowOutcome {
    return this.apply(row, this.converter.convertRow(row), text, start, end);
  }

  /**
   * Applies a row whose conversions are already made (`converted`, from this job's RowConverter).
   * @param row the row's values: only the key column (the Id, or the upsert's external id) is read
   */
  apply(row: readonly string[], converted: ConvertedRow, text?: string, start = 0, end = 0): RowOutcome {
    this.text = text;
    this.start = start;
    this.end = end;
    this.resolvedParents = undefined;
    try {
      switch (this.operation) {
        case 'insert':
          return this.insert(converted.create!);
        case 'update':
          return this.update(row, converted.update!);
        case 'upsert':
          return this.upsert(row, converted);
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
  private insert(conversion: Conversion, lookedUp?: LookedUpKey): RowOutcome {
    const values = this.resolve(conversion);
    this.checkUnique(values, undefined, lookedUp);
    const id = this.data.insert(this.object, values, this.now(), this.userId, this.source('create'));
    return { id, created: true };
  }

  private update(row: readonly string[], conversion: Conversion): RowOutcome {
    this.checkDuplicateId(this.valueOf(row, 'Id'));
    const id = this.existingId(this.valueOf(row, 'Id'));
    const values = this.resolve(conversion);
    delete values.Id;
    this.checkUnique(values, id, undefined);
    this.data.update(this.object, id, values, this.now(), this.userId, this.source('update'));
    return { id, created: false };
  }

  private upsert(row: readonly string[], converted: ConvertedRow): RowOutcome {
    const field = this.externalIdField!;
    const key = this.valueOf(row, field.name);
    if (key === undefined || key === '' || key === NULL_MARKER) {
      throw new RecordError('MISSING_ARGUMENT', `${field.name} not specified`);
    }
    if (field.name === 'Id') return this.update(row, converted.update!);
    if (this.chunkDuplicateKeys.has(this.chunkKey(field, key)!)) {
      throw new RecordError('DUPLICATE_VALUE', `Duplicate external id specified: ${key}`, [field.name]);
    }
    const matches = this.data.findBy(this.object, field, key);
    if (matches.length > 1) {
      throw new RecordError(
        'DUPLICATE_EXTERNAL_ID',
        `${field.label}: more than one record found for external id field: [${matches.join(', ')}]`,
        [field.name],
      );
    }
    if (matches.length === 0) return this.insert(converted.create!, { field, value: key });
    const id = matches[0]!;
    const values = this.resolve(converted.update!);
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

  /**
   * The values a conversion gives once the org has had its say, or the first error in Salesforce's order:
   * the columns checked against the records (ids that must exist, parents found by external id) before
   * the first value that did not convert, then that value, then columns that may not be written, then
   * required fields.
   */
  private resolve(conversion: Conversion): Record<string, FieldValue> {
    const { values } = conversion;
    for (const deferred of conversion.deferred ?? NO_DEFERRED) {
      if (deferred.column > conversion.errorColumn) break;
      const column = this.columns[deferred.column]!;
      if (column.kind === 'relationship') {
        const id = this.findParent(column, deferred.value);
        values[column.field.name] = id;
        (this.resolvedParents ??= []).push(id);
      } else {
        this.checkReference(column.field, deferred.value);
      }
    }
    if (conversion.error) throw conversion.error;
    if (conversion.notWritable) throw conversion.notWritable;
    if (conversion.check) throw conversion.check;
    return values;
  }

  /** What the current row writes, as the stored form of its values; undefined when no row text was given. */
  private source(mode: WriteMode): RowSource | undefined {
    const text = this.text;
    if (text === undefined) return undefined;
    if (this.jobTexts?.text !== text) {
      this.jobTexts = {
        text,
        create: { text, decoder: this.decoders.create },
        update: { text, decoder: this.decoders.update },
      };
    }
    return { job: this.jobTexts[mode], start: this.start, end: this.end, parents: this.resolvedParents };
  }

  /**
   * The values a stored row wrote, converted again as when it was processed; checks that depend on the
   * org (does a referenced record exist) are not run again, and relationship columns take the parent ids
   * they resolved to then.
   */
  private decode(rowText: string, mode: WriteMode, parents: readonly string[] | undefined) {
    const row = csvRows(rowText, this.delimiter).next();
    const { values, deferred } = this.converter.convert(row.done ? [] : row.value, mode);
    let parent = 0;
    for (const d of deferred ?? NO_DEFERRED) {
      const column = this.columns[d.column]!;
      if (column.kind === 'relationship') values[column.field.name] = (parents ?? NO_PARENTS)[parent++]!;
    }
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

  /** A reference value must name a live record. */
  private checkReference(field: FieldSchema, id: string): void {
    if (this.data.isDeleted(id)) throw new RecordError('ENTITY_IS_DELETED', 'entity is deleted', [field.name]);
    if (!this.data.has(id)) {
      throw new RecordError('INVALID_CROSS_REFERENCE_KEY', `${field.label}: invalid cross reference id`, [field.name]);
    }
  }

  /** The id of the one parent record a relationship value names. */
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

const NO_DEFERRED: readonly DeferredColumn[] = Object.freeze([]);
