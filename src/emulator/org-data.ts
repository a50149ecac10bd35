import { newSalesforceId } from './salesforce-id';
import { FieldSchema, FieldValue, SchemaRegistry, SObjectRecord, SObjectSchema } from './sobject-schema';

/**
 * Ids of the live records with one value of an indexed field: a single id (by far the usual case, and
 * what keeps a million-record table small and quick to collect), or a set once a second record shares it.
 */
type IdsByValue = Map<string, string | Set<string>>;

const BASE62_VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].entries()) {
  BASE62_VALUE[c.charCodeAt(0)] = i;
}

/** The counter in an id made by newSalesforceId (key prefix, pod `0R`, ten base-62 digits), or -1. */
function slotOf(id: string): number {
  if (id.length !== 18 || id.charCodeAt(3) !== 0x30 || id.charCodeAt(4) !== 0x52) return -1;
  let n = 0;
  for (let i = 5; i < 15; i++) {
    const c = id.charCodeAt(i);
    const v = c < 128 ? BASE62_VALUE[c]! : -1;
    if (v < 0) return -1;
    n = n * 62 + v;
  }
  return n;
}

/**
 * The records of one org in slots numbered by the counter of their id: ids are made from one counter per
 * org (newSalesforceId), so the slots are dense, and finding a record costs no hash lookup (a Map of a
 * million string keys was a tenth of a load's processing time).
 */
class RecordSlots {
  private readonly records: (SObjectRecord | undefined)[] = [];

  get(id: string): SObjectRecord | undefined {
    const slot = slotOf(id);
    const record = slot < 0 ? undefined : this.records[slot];
    return record !== undefined && record.Id === id ? record : undefined;
  }

  at(slot: number): SObjectRecord | undefined {
    return this.records[slot];
  }

  /** Stores a record; its Id must have been made by newSalesforceId. Returns the slot. */
  put(record: SObjectRecord): number {
    const slot = slotOf(record.Id);
    if (slot < 0) throw new Error(`not an emulator-made id: ${record.Id}`);
    this.records[slot] = record;
    return slot;
  }

  remove(slot: number): void {
    this.records[slot] = undefined;
  }

  clear(): void {
    this.records.length = 0;
  }
}

/** Records of one object, with lookup indexes on its unique, external id and id-lookup fields. */
class ObjectTable {
  /** Soft-deleted records (the recycle bin), with IsDeleted true: queryAll reads them, DML says ENTITY_IS_DELETED. */
  readonly deleted = new Map<string, SObjectRecord>();
  /** Slots of this object's records in insertion order; a removed record's slot stays until compaction. */
  private order: number[] = [];
  private live = 0;
  /**
   * Indexes of the idLookup fields (external ids, unique fields, Email, Name), built on the first lookup by
   * that field and kept up to date from then on: a load that upserts by Ext_Id__c maintains one index, not
   * one per lookup field.
   */
  private readonly indexes = new Map<FieldSchema, IdsByValue>();

  constructor(
    readonly schema: SObjectSchema,
    private readonly slots: RecordSlots,
  ) {}

  get size(): number {
    return this.live;
  }

  has(id: string): boolean {
    return this.slots.get(id) !== undefined;
  }

  get(id: string): SObjectRecord | undefined {
    return this.slots.get(id);
  }

  /** The live records in insertion order. */
  *records(): Generator<SObjectRecord> {
    for (const slot of this.order) {
      const record = this.slots.at(slot);
      if (record !== undefined) yield record;
    }
  }

  find(field: FieldSchema, value: string): readonly string[] {
    const index = this.index(field);
    if (!index) {
      const wanted = normalize(field, value);
      const ids: string[] = [];
      for (const r of this.records()) {
        const v = r[field.name];
        if (v !== null && v !== undefined && normalize(field, String(v)) === wanted) ids.push(r.Id);
      }
      return ids;
    }
    const ids = index.get(normalize(field, value));
    if (ids === undefined) return NO_IDS;
    return typeof ids === 'string' ? [ids] : [...ids];
  }

  add(record: SObjectRecord): void {
    this.order.push(this.slots.put(record));
    this.live++;
    for (const [field, index] of this.indexes) indexRecord(index, field, record, 1);
  }

  replace(before: SObjectRecord, after: SObjectRecord): void {
    for (const [field, index] of this.indexes) {
      // The same value keeps the same entry (an upsert leaves its key as it is).
      if (before[field.name] === after[field.name]) continue;
      indexRecord(index, field, before, -1, after);
      indexRecord(index, field, after, 1, before);
    }
    this.slots.put(after);
  }

  remove(id: string, softDelete: boolean): void {
    const slot = slotOf(id);
    const record = this.get(id);
    if (!record) return;
    for (const [field, index] of this.indexes) indexRecord(index, field, record, -1);
    this.slots.remove(slot);
    this.live--;
    if (softDelete) this.deleted.set(id, { ...record, IsDeleted: true });
    if (this.order.length > 1024 && this.order.length > 2 * this.live) {
      this.order = this.order.filter((s) => this.slots.at(s) !== undefined);
    }
  }

  /** The index of an idLookup field, built from the records on first use; undefined for other fields. */
  private index(field: FieldSchema): IdsByValue | undefined {
    let index = this.indexes.get(field);
    if (index) return index;
    const own = this.schema.fieldsByLowerName.get(field.name.toLowerCase());
    if (!own || !own.idLookup || own.name === 'Id') return undefined;
    index = this.indexes.get(own);
    if (index) return index;
    index = new Map();
    for (const record of this.records()) indexRecord(index, own, record, 1);
    this.indexes.set(own, index);
    return index;
  }
}

/**
 * Adds (1) or removes (-1) a record's entry in a field's index. For a replacement, `other` is the other
 * version of the record: an entry that holds this id alone under the same value in both is left as it is,
 * since removing and re-adding it would give the same entry.
 */
function indexRecord(
  index: IdsByValue,
  field: FieldSchema,
  record: SObjectRecord,
  direction: 1 | -1,
  other?: SObjectRecord,
): void {
  const value = record[field.name];
  if (value === null || value === undefined || value === '') return;
  const key = normalize(field, String(value));
  const ids = index.get(key);
  if (other && ids === record.Id) {
    const otherValue = other[field.name];
    if (otherValue !== null && otherValue !== undefined && otherValue !== '') {
      if (normalize(field, String(otherValue)) === key) return;
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

/** What a lookup that matches nothing returns (the usual answer when upsert inserts: no array per row). */
const NO_IDS: readonly string[] = Object.freeze([]);

function normalize(field: FieldSchema, value: string): string {
  return field.caseSensitive ? value : value.toLowerCase();
}

/**
 * What an org holds: records per object, their recycle bin, and the id counter. `deleted` held only ids
 * before the recycle bin kept records; such a snapshot still restores (queryAll then cannot show them).
 */
export interface OrgDataSnapshot {
  readonly idCounter: number;
  readonly autoNumber?: number;
  readonly objects: Record<string, { records: SObjectRecord[]; deleted: (SObjectRecord | string)[] }>;
}

/** The records of one emulated org. */
export class OrgData {
  private readonly tables = new Map<string, ObjectTable>();
  private readonly tablesBySchema = new Map<SObjectSchema, ObjectTable>();
  private readonly slots = new RecordSlots();
  private idCounter = 1;
  private autoNumber = 1;
  private readonly defaulted = new Map<SObjectSchema, readonly FieldSchema[]>();

  constructor(readonly schemas: SchemaRegistry) {
    this.clear();
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

  /** The table of a schema object of this org's registry (no name lookup: it runs for every record). */
  private tableOf(schema: SObjectSchema): ObjectTable {
    const table = this.tablesBySchema.get(schema);
    return table ?? this.table(schema.name);
  }

  newId(schema: SObjectSchema): string {
    return newSalesforceId(schema.keyPrefix, this.idCounter++);
  }

  /** The live records of an object in the order they were created. */
  records(objectName: string): Iterable<SObjectRecord> {
    return this.table(objectName).records();
  }

  /** The live records, then the recycle bin's (IsDeleted true): what queryAll reads. */
  *recordsWithDeleted(objectName: string): Generator<SObjectRecord> {
    const table = this.table(objectName);
    yield* table.records();
    yield* table.deleted.values();
  }

  count(objectName: string): number {
    return this.table(objectName).size;
  }

  /** A live record by its 18-character id. */
  get(id: string): SObjectRecord | undefined {
    const schema = this.schemas.forId(id);
    return schema ? this.tableOf(schema).get(id) : undefined;
  }

  /** Whether a live record has this 18-character id. */
  has(id: string): boolean {
    const schema = this.schemas.forId(id);
    return schema ? this.tableOf(schema).has(id) : false;
  }

  isDeleted(id: string): boolean {
    const schema = this.schemas.forId(id);
    return schema ? this.tableOf(schema).deleted.has(id) : false;
  }

  /** Ids of live records whose field equals the value (case-insensitively unless the field is case-sensitive). */
  findBy(schema: SObjectSchema, field: FieldSchema, value: string): readonly string[] {
    return this.tableOf(schema).find(field, value);
  }

  insert(schema: SObjectSchema, values: Record<string, FieldValue>, now: string, userId: string): SObjectRecord {
    const record: SObjectRecord = {
      Id: this.newId(schema),
      ...values,
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
    this.tableOf(schema).add(record);
    return record;
  }

  update(
    schema: SObjectSchema,
    id: string,
    values: Record<string, FieldValue>,
    now: string,
    userId: string,
  ): SObjectRecord {
    const table = this.tableOf(schema);
    const before = table.get(id)!;
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
    this.tableOf(schema).remove(id, !hard);
  }

  /** Removes every record (the emulator's reset). */
  clear(): void {
    this.slots.clear();
    this.tablesBySchema.clear();
    for (const schema of this.schemas.list()) {
      const table = new ObjectTable(schema, this.slots);
      this.tables.set(schema.name.toLowerCase(), table);
      this.tablesBySchema.set(schema, table);
    }
  }

  snapshot(): OrgDataSnapshot {
    const objects: OrgDataSnapshot['objects'] = {};
    for (const table of this.tables.values()) {
      if (table.size === 0 && table.deleted.size === 0) continue;
      objects[table.schema.name] = { records: [...table.records()], deleted: [...table.deleted.values()] };
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
      for (const entry of content.deleted) {
        const record = typeof entry === 'string' ? { Id: entry, IsDeleted: true } : entry;
        table.deleted.set(record.Id, record);
      }
    }
  }
}
