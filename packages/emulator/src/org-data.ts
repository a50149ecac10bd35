import { RecordStore, RowSource } from './record-store';
import { newSalesforceId } from './salesforce-id';
import { FieldSchema, FieldValue, SchemaRegistry, SObjectRecord, SObjectSchema } from './sobject-schema';

export type { JobText, RowDecoder, RowSource } from './record-store';

/**
 * Slots of the live records with one value of an indexed field: a single slot (by far the usual case, and
 * what keeps a million-record table small and quick to collect), or a set once a second record shares it.
 */
type SlotsByValue = Map<string, number | Set<number>>;

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
  private readonly indexes = new Map<FieldSchema, SlotsByValue>();
  /**
   * The last lookup, if it found nothing and no index changed since: an upsert that inserts adds the key
   * it just looked up, which then needs neither lowercasing nor looking up again.
   */
  private missed: { readonly field: FieldSchema; readonly value: string; readonly key: string } | undefined;

  /** @param number this table's number in `store` (1-based) */
  constructor(
    readonly schema: SObjectSchema,
    private readonly store: RecordStore,
    private readonly number: number,
  ) {}

  get size(): number {
    return this.live;
  }

  /** The id of the record in a slot of this table. */
  idOf(slot: number): string {
    return newSalesforceId(this.schema.keyPrefix, slot);
  }

  /** The slot of a live record of this table, or -1. */
  slotOf(id: string): number {
    const slot = slotOf(id);
    if (slot < 0 || this.store.ownerOf(slot) !== this.number) return -1;
    return this.idOf(slot) === id ? slot : -1;
  }

  has(id: string): boolean {
    return this.slotOf(id) >= 0;
  }

  get(id: string): SObjectRecord | undefined {
    const slot = this.slotOf(id);
    return slot < 0 ? undefined : this.store.read(slot, id);
  }

  /** The live records in insertion order. */
  *records(): Generator<SObjectRecord> {
    for (const slot of this.order) {
      if (this.store.ownerOf(slot) === this.number) yield this.store.read(slot, this.idOf(slot));
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
    const key = normalize(field, value);
    const slots = index.get(key);
    this.missed = slots === undefined && field === this.indexFieldOf(field) ? { field, value, key } : undefined;
    if (slots === undefined) return NO_IDS;
    return typeof slots === 'number' ? [this.idOf(slots)] : [...slots].map((slot) => this.idOf(slot));
  }

  /**
   * Adds the record of `slot`: from a row (`source`, see RowSource) or as the plain object `values`.
   * `values`, overridden by `stamp` (the audit fields and defaults), is what the indexes read.
   */
  add(
    slot: number,
    values: Readonly<Record<string, FieldValue>>,
    stamp: Readonly<Record<string, FieldValue>>,
    source: RowSource | undefined,
  ): void {
    if (source) this.store.insert(slot, this.number, source, stamp);
    else this.store.putPlain(slot, this.number, values as SObjectRecord);
    this.order.push(slot);
    this.live++;
    const missed = this.missed;
    this.missed = undefined;
    for (const [field, index] of this.indexes) {
      const name = field.name;
      const value = name in stamp ? stamp[name] : values[name];
      if (missed && missed.field === field && missed.value === value) index.set(missed.key, slot);
      else indexRecord(index, field, slot, value, 1);
    }
  }

  /**
   * Writes `values` over the record `id` (from a row, `source`, or as they are) with the audit fields of
   * `stamp`.
   * @param unchanged an indexed value the update is known to leave under the same index entry (the key
   * an upsert found the record by)
   */
  update(
    id: string,
    values: Readonly<Record<string, FieldValue>>,
    stamp: Readonly<Record<string, FieldValue>>,
    source: RowSource | undefined,
    unchanged: { readonly field: FieldSchema; readonly value: string } | undefined,
  ): void {
    const slot = this.slotOf(id);
    this.missed = undefined;
    let reindexed: FieldSchema[] | undefined;
    for (const field of this.indexes.keys()) {
      const value = values[field.name];
      // A field the update does not write keeps its entry; so does the key an upsert found the record by.
      if (value === undefined) continue;
      if (field === unchanged?.field && value === unchanged.value) continue;
      (reindexed ??= []).push(field);
    }
    const old = reindexed || !source ? this.store.read(slot, id) : undefined;
    if (source) this.store.update(slot, id, source, stamp);
    else this.store.putPlain(slot, this.number, { ...old!, ...values, ...stamp, Id: id });
    if (!reindexed) return;
    const now = this.store.read(slot, id);
    for (const field of reindexed) {
      const index = this.indexes.get(field)!;
      if (old![field.name] === now[field.name]) continue;
      indexRecord(index, field, slot, old![field.name], -1, now[field.name]);
      indexRecord(index, field, slot, now[field.name], 1, old![field.name]);
    }
  }

  remove(id: string, softDelete: boolean): void {
    const slot = this.slotOf(id);
    if (slot < 0) return;
    this.missed = undefined;
    const record = this.store.read(slot, id);
    for (const [field, index] of this.indexes) indexRecord(index, field, slot, record[field.name], -1);
    this.store.remove(slot);
    this.live--;
    if (softDelete) this.deleted.set(id, { ...record, IsDeleted: true });
    if (this.order.length > 1024 && this.order.length > 2 * this.live) {
      this.order = this.order.filter((s) => this.store.ownerOf(s) === this.number);
    }
  }

  /** The field whose index answers lookups by `field` (the object's own field of that name). */
  private indexFieldOf(field: FieldSchema): FieldSchema | undefined {
    return this.indexes.has(field) ? field : this.schema.fieldsByLowerName.get(field.name.toLowerCase());
  }

  /** The index of an idLookup field, built from the records on first use; undefined for other fields. */
  private index(field: FieldSchema): SlotsByValue | undefined {
    let index = this.indexes.get(field);
    if (index) return index;
    const own = this.schema.fieldsByLowerName.get(field.name.toLowerCase());
    if (!own || !own.idLookup || own.name === 'Id') return undefined;
    index = this.indexes.get(own);
    if (index) return index;
    index = new Map();
    for (const slot of this.order) {
      if (this.store.ownerOf(slot) !== this.number) continue;
      indexRecord(index, own, slot, this.store.read(slot, this.idOf(slot))[own.name], 1);
    }
    this.indexes.set(own, index);
    return index;
  }
}

/**
 * Adds (1) or removes (-1) the entry of the record in `slot` with `value` in a field's index. For a
 * replacement, `otherValue` is the field's value in the other version of the record: an entry that holds
 * this slot alone under the same key for both is left as it is, since removing and re-adding it would give
 * the same entry.
 */
function indexRecord(
  index: SlotsByValue,
  field: FieldSchema,
  slot: number,
  value: FieldValue | undefined,
  direction: 1 | -1,
  otherValue?: FieldValue,
): void {
  if (value === null || value === undefined || value === '') return;
  const key = normalize(field, String(value));
  const slots = index.get(key);
  if (slots === slot && otherValue !== undefined && otherValue !== null && otherValue !== '') {
    if (normalize(field, String(otherValue)) === key) return;
  }
  if (direction === 1) {
    if (slots === undefined) {
      index.set(key, slot);
    } else if (typeof slots === 'number') {
      if (slots !== slot) index.set(key, new Set([slots, slot]));
    } else {
      slots.add(slot);
    }
  } else if (typeof slots === 'number') {
    if (slots === slot) index.delete(key);
  } else if (slots) {
    slots.delete(slot);
    if (slots.size === 1) index.set(key, slots.values().next().value!);
    else if (slots.size === 0) index.delete(key);
  }
}

const NO_STAMP: Readonly<Record<string, FieldValue>> = Object.freeze({});

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
  private readonly store = new RecordStore();
  private idCounter = 1;
  private autoNumber = 1;
  private readonly defaulted = new Map<SObjectSchema, readonly FieldSchema[]>();
  private lastStamp:
    | {
        readonly schema: SObjectSchema;
        readonly now: string;
        readonly userId: string;
        readonly applies: number;
        readonly ownerDefault: boolean;
        readonly stamp: Readonly<Record<string, FieldValue>>;
      }
    | undefined;
  private lastUpdateStamp: Readonly<Record<string, FieldValue>> | undefined;

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

  /** How many records of the object are in the recycle bin. */
  deletedCount(objectName: string): number {
    return this.table(objectName).deleted.size;
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

  /**
   * Creates a record with `values` and the audit fields and defaults Salesforce sets; returns its id.
   * @param source the job row that wrote `values`: the record is stored as that row (see RowSource)
   */
  insert(
    schema: SObjectSchema,
    values: Record<string, FieldValue>,
    now: string,
    userId: string,
    source?: RowSource,
  ): string {
    const slot = this.idCounter++;
    const id = newSalesforceId(schema.keyPrefix, slot);
    const stamp = this.insertStamp(schema, id, values, now, userId);
    this.tableOf(schema).add(slot, source ? values : { Id: id, ...values, ...stamp }, stamp, source);
    return id;
  }

  /**
   * What an insert sets besides the given values: the audit fields, the owner, defaults of fields left
   * empty (picklist defaults, auto-numbers, false for checkboxes), the Name of a custom object. Shared by
   * the records of one chunk that get the same (no auto-number or Name: those differ per record).
   */
  private insertStamp(
    schema: SObjectSchema,
    id: string,
    values: Record<string, FieldValue>,
    now: string,
    userId: string,
  ): Readonly<Record<string, FieldValue>> {
    const defaulted = this.defaultedFields(schema);
    // Which defaults apply, one binary digit per defaulted field (up to 30; beyond that nothing is shared).
    let applies = 0;
    for (let i = 0; i < defaulted.length && i < 30; i++) {
      const value = values[defaulted[i]!.name];
      if (value === undefined || value === null) applies += 2 ** i;
    }
    const ownerDefault =
      schema.fieldsByLowerName.has('ownerid') && (values.OwnerId === undefined || values.OwnerId === null);
    const cached = this.lastStamp;
    if (
      cached &&
      cached.schema === schema &&
      cached.now === now &&
      cached.userId === userId &&
      cached.applies === applies &&
      cached.ownerDefault === ownerDefault
    ) {
      return cached.stamp;
    }
    const stamp: Record<string, FieldValue> = {
      IsDeleted: false,
      CreatedDate: now,
      CreatedById: userId,
      LastModifiedDate: now,
      LastModifiedById: userId,
      SystemModstamp: now,
    };
    if (ownerDefault) stamp.OwnerId = userId;
    let perRecord = defaulted.length > 30;
    for (const field of defaulted) {
      if (values[field.name] !== undefined && values[field.name] !== null) continue;
      if (field.defaultedOnCreate && field.type === 'picklist' && field.picklistValues.length > 0) {
        stamp[field.name] = field.picklistValues[0]!;
      } else if (field.defaultedOnCreate && field.type === 'string' && !field.createable && !field.calculated) {
        // An auto-number field such as Case.CaseNumber.
        stamp[field.name] = String(this.autoNumber++).padStart(8, '0');
        perRecord = true;
      } else if (field.type === 'boolean') {
        stamp[field.name] = false;
      }
      // Other fields without a value stay absent: readers treat absent as null, and 1M records stay small.
    }
    if (schema.custom && schema.fieldsByLowerName.get('name')?.defaultedOnCreate && !values.Name) {
      stamp.Name = id.slice(0, 15);
      perRecord = true;
    }
    this.lastStamp = perRecord ? undefined : { schema, now, userId, applies, ownerDefault, stamp };
    return stamp;
  }

  /**
   * Writes `values` over a live record and sets its audit fields.
   * @param source the job row that wrote `values`: the update is stored as that row (see RowSource)
   * @param unchanged an indexed value the update leaves under the same index entry (an upsert's key)
   */
  update(
    schema: SObjectSchema,
    id: string,
    values: Record<string, FieldValue>,
    now: string,
    userId: string,
    source?: RowSource,
    unchanged?: { readonly field: FieldSchema; readonly value: string },
  ): void {
    this.tableOf(schema).update(id, values, this.updateStamp(now, userId), source, unchanged);
  }

  /** The audit fields an update sets, one object for the updates of one chunk. */
  private updateStamp(now: string, userId: string): Readonly<Record<string, FieldValue>> {
    const cached = this.lastUpdateStamp;
    if (cached && cached.LastModifiedDate === now && cached.LastModifiedById === userId) return cached;
    this.lastUpdateStamp = { LastModifiedDate: now, LastModifiedById: userId, SystemModstamp: now };
    return this.lastUpdateStamp;
  }

  delete(schema: SObjectSchema, id: string, hard: boolean): void {
    this.tableOf(schema).remove(id, !hard);
  }

  /** Removes every record (the emulator's reset). */
  clear(): void {
    this.store.clear();
    this.tablesBySchema.clear();
    for (const [i, schema] of this.schemas.list().entries()) {
      const table = new ObjectTable(schema, this.store, i + 1);
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
      for (const record of content.records) {
        const slot = slotOf(record.Id);
        if (slot < 0) throw new Error(`not an emulator-made id: ${record.Id}`);
        table.add(slot, record, NO_STAMP, undefined);
      }
      for (const entry of content.deleted) {
        const record = typeof entry === 'string' ? { Id: entry, IsDeleted: true } : entry;
        table.deleted.set(record.Id, record);
      }
    }
  }
}
