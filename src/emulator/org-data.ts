import { newSalesforceId } from './salesforce-id';
import { FieldSchema, FieldValue, SchemaRegistry, SObjectRecord, SObjectSchema } from './sobject-schema';

/**
 * Ids of the live records with one value of an indexed field: a single id (by far the usual case, and
 * what keeps a million-record table small and quick to collect), or a set once a second record shares it.
 */
type IdsByValue = Map<string, string | Set<string>>;

/** Records of one object, with lookup indexes on its unique, external id and id-lookup fields. */
class ObjectTable {
  readonly records = new Map<string, SObjectRecord>();
  readonly deleted = new Set<string>();
  /** lowercase field name → normalized value → ids. */
  private readonly indexes = new Map<string, IdsByValue>();
  /** The same indexes by the schema's field objects, which is how callers ask (no name to lower-case). */
  private readonly indexByField = new Map<FieldSchema, IdsByValue>();
  /** The indexed fields with their index, in the order records are indexed. */
  private readonly indexed: { readonly field: FieldSchema; readonly index: IdsByValue }[] = [];

  constructor(readonly schema: SObjectSchema) {
    for (const field of schema.fields) {
      if (field.idLookup && field.name !== 'Id') {
        const index: IdsByValue = new Map();
        this.indexes.set(field.name.toLowerCase(), index);
        this.indexByField.set(field, index);
        this.indexed.push({ field, index });
      }
    }
  }

  isIndexed(field: FieldSchema): boolean {
    return this.indexes.has(field.name.toLowerCase());
  }

  find(field: FieldSchema, value: string): string[] {
    const index = this.indexByField.get(field) ?? this.indexes.get(field.name.toLowerCase());
    if (!index) {
      const wanted = normalize(field, value);
      return [...this.records.values()]
        .filter(
          (r) =>
            r[field.name] !== null && r[field.name] !== undefined && normalize(field, String(r[field.name])) === wanted,
        )
        .map((r) => r.Id);
    }
    const ids = index.get(normalize(field, value));
    if (ids === undefined) return [];
    return typeof ids === 'string' ? [ids] : [...ids];
  }

  add(record: SObjectRecord): void {
    this.records.set(record.Id, record);
    this.indexRecord(record, 1);
  }

  replace(before: SObjectRecord, after: SObjectRecord): void {
    this.indexRecord(before, -1, after);
    this.records.set(after.Id, after);
    this.indexRecord(after, 1, before);
  }

  remove(id: string, softDelete: boolean): void {
    const record = this.records.get(id);
    if (!record) return;
    this.indexRecord(record, -1);
    this.records.delete(id);
    if (softDelete) this.deleted.add(id);
  }

  /**
   * Adds (1) or removes (-1) the record's index entries. For a replacement, `other` is the other version
   * of the record: an entry that holds this id alone under the same value in both is left as it is, since
   * removing and re-adding it would give the same entry.
   */
  private indexRecord(record: SObjectRecord, direction: 1 | -1, other?: SObjectRecord): void {
    for (const { field, index } of this.indexed) {
      const value = record[field.name];
      if (value === null || value === undefined || value === '') continue;
      const key = normalize(field, String(value));
      const ids = index.get(key);
      if (other && ids === record.Id) {
        const otherValue = other[field.name];
        if (otherValue !== null && otherValue !== undefined && otherValue !== '') {
          if (normalize(field, String(otherValue)) === key) continue;
        }
      }
      if (direction === 1) {
        if (ids === undefined) {
          index.set(key, record.Id);
        } else if (typeof ids === 'string') {
          if (ids !== record.Id) index.set(key, new Set([ids, record.Id]));
        } else {
          ids.add(record.Id);
        }
      } else if (typeof ids === 'string') {
        if (ids === record.Id) index.delete(key);
      } else if (ids) {
        ids.delete(record.Id);
        if (ids.size === 1) index.set(key, ids.values().next().value!);
        else if (ids.size === 0) index.delete(key);
      }
    }
  }
}

function normalize(field: FieldSchema, value: string): string {
  return field.caseSensitive ? value : value.toLowerCase();
}

/** What an org holds: records per object, their deleted ids, and the id counter. */
export interface OrgDataSnapshot {
  readonly idCounter: number;
  readonly autoNumber?: number;
  readonly objects: Record<string, { records: SObjectRecord[]; deleted: string[] }>;
}

/** The records of one emulated org. */
export class OrgData {
  private readonly tables = new Map<string, ObjectTable>();
  private idCounter = 1;
  private autoNumber = 1;
  private readonly defaulted = new Map<SObjectSchema, readonly FieldSchema[]>();

  constructor(readonly schemas: SchemaRegistry) {
    for (const schema of schemas.list()) this.tables.set(schema.name.toLowerCase(), new ObjectTable(schema));
  }

  /** The fields of an object that get a value on insert when none is given (see insert). */
  private defaultedFields(schema: SObjectSchema): readonly FieldSchema[] {
    let fields = this.defaulted.get(schema);
    if (!fields) {
      fields = schema.fields.filter(
        (field) =>
          (field.defaultedOnCreate && field.type === 'picklist' && field.picklistValues.length > 0) ||
          (field.defaultedOnCreate && field.type === 'string' && !field.createable && !field.calculated) ||
          field.type === 'boolean',
      );
      this.defaulted.set(schema, fields);
    }
    return fields;
  }

  private table(objectName: string): ObjectTable {
    const table = this.tables.get(objectName.toLowerCase());
    if (!table) throw new Error(`no such object in this org: ${objectName}`);
    return table;
  }

  newId(schema: SObjectSchema): string {
    return newSalesforceId(schema.keyPrefix, this.idCounter++);
  }

  records(objectName: string): Iterable<SObjectRecord> {
    return this.table(objectName).records.values();
  }

  count(objectName: string): number {
    return this.table(objectName).records.size;
  }

  /** A live record by its 18-character id. */
  get(id: string): SObjectRecord | undefined {
    const schema = this.schemas.forId(id);
    return schema ? this.table(schema.name).records.get(id) : undefined;
  }

  isDeleted(id: string): boolean {
    const schema = this.schemas.forId(id);
    return schema ? this.table(schema.name).deleted.has(id) : false;
  }

  /** Ids of live records whose field equals the value (case-insensitively unless the field is case-sensitive). */
  findBy(schema: SObjectSchema, field: FieldSchema, value: string): string[] {
    return this.table(schema.name).find(field, value);
  }

  insert(schema: SObjectSchema, values: Record<string, FieldValue>, now: string, userId: string): SObjectRecord {
    const record: SObjectRecord = {
      ...values,
      Id: this.newId(schema),
      IsDeleted: false,
      CreatedDate: now,
      CreatedById: userId,
      LastModifiedDate: now,
      LastModifiedById: userId,
      SystemModstamp: now,
    };
    if (schema.fieldsByLowerName.has('ownerid') && (record.OwnerId === undefined || record.OwnerId === null)) {
      record.OwnerId = userId;
    }
    for (const field of this.defaultedFields(schema)) {
      if (record[field.name] !== undefined && record[field.name] !== null) continue;
      if (field.defaultedOnCreate && field.type === 'picklist' && field.picklistValues.length > 0) {
        record[field.name] = field.picklistValues[0]!;
      } else if (field.defaultedOnCreate && field.type === 'string' && !field.createable && !field.calculated) {
        // An auto-number field such as Case.CaseNumber.
        record[field.name] = String(this.autoNumber++).padStart(8, '0');
      } else if (field.type === 'boolean') {
        record[field.name] = false;
      }
      // Other fields without a value stay absent: readers treat absent as null, and 1M records stay small.
    }
    if (schema.custom && schema.fieldsByLowerName.get('name')?.defaultedOnCreate && !record.Name) {
      record.Name = record.Id.slice(0, 15);
    }
    this.table(schema.name).add(record);
    return record;
  }

  update(
    schema: SObjectSchema,
    id: string,
    values: Record<string, FieldValue>,
    now: string,
    userId: string,
  ): SObjectRecord {
    const table = this.table(schema.name);
    const before = table.records.get(id)!;
    const after: SObjectRecord = {
      ...before,
      ...values,
      Id: id,
      LastModifiedDate: now,
      LastModifiedById: userId,
      SystemModstamp: now,
    };
    table.replace(before, after);
    return after;
  }

  delete(schema: SObjectSchema, id: string, hard: boolean): void {
    this.table(schema.name).remove(id, !hard);
  }

  /** Removes every record (the emulator's reset). */
  clear(): void {
    for (const schema of this.schemas.list()) this.tables.set(schema.name.toLowerCase(), new ObjectTable(schema));
  }

  snapshot(): OrgDataSnapshot {
    const objects: OrgDataSnapshot['objects'] = {};
    for (const table of this.tables.values()) {
      if (table.records.size === 0 && table.deleted.size === 0) continue;
      objects[table.schema.name] = { records: [...table.records.values()], deleted: [...table.deleted] };
    }
    return { idCounter: this.idCounter, autoNumber: this.autoNumber, objects };
  }

  restore(snapshot: OrgDataSnapshot): void {
    this.clear();
    this.idCounter = snapshot.idCounter;
    this.autoNumber = snapshot.autoNumber ?? 1;
    for (const [name, content] of Object.entries(snapshot.objects)) {
      if (!this.schemas.get(name)) continue;
      const table = this.table(name);
      for (const record of content.records) table.add(record);
      for (const id of content.deleted) table.deleted.add(id);
    }
  }
}
