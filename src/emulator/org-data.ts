import { newSalesforceId } from './salesforce-id';
import { FieldSchema, FieldValue, SchemaRegistry, SObjectRecord, SObjectSchema } from './sobject-schema';

/** Records of one object, with lookup indexes on its unique, external id and id-lookup fields. */
class ObjectTable {
  readonly records = new Map<string, SObjectRecord>();
  readonly deleted = new Set<string>();
  /** lowercase field name → normalized value → ids. */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(readonly schema: SObjectSchema) {
    for (const field of schema.fields) {
      if (field.idLookup && field.name !== 'Id') this.indexes.set(field.name.toLowerCase(), new Map());
    }
  }

  isIndexed(field: FieldSchema): boolean {
    return this.indexes.has(field.name.toLowerCase());
  }

  find(field: FieldSchema, value: string): string[] {
    const index = this.indexes.get(field.name.toLowerCase());
    if (!index) {
      const wanted = normalize(field, value);
      return [...this.records.values()]
        .filter(
          (r) =>
            r[field.name] !== null && r[field.name] !== undefined && normalize(field, String(r[field.name])) === wanted,
        )
        .map((r) => r.Id);
    }
    return [...(index.get(normalize(field, value)) ?? [])];
  }

  add(record: SObjectRecord): void {
    this.records.set(record.Id, record);
    this.indexRecord(record, 1);
  }

  replace(before: SObjectRecord, after: SObjectRecord): void {
    this.indexRecord(before, -1);
    this.records.set(after.Id, after);
    this.indexRecord(after, 1);
  }

  remove(id: string, softDelete: boolean): void {
    const record = this.records.get(id);
    if (!record) return;
    this.indexRecord(record, -1);
    this.records.delete(id);
    if (softDelete) this.deleted.add(id);
  }

  private indexRecord(record: SObjectRecord, direction: 1 | -1): void {
    for (const [lowerName, index] of this.indexes) {
      const field = this.schema.fieldsByLowerName.get(lowerName)!;
      const value = record[field.name];
      if (value === null || value === undefined || value === '') continue;
      const key = normalize(field, String(value));
      let ids = index.get(key);
      if (direction === 1) {
        if (!ids) index.set(key, (ids = new Set()));
        ids.add(record.Id);
      } else if (ids) {
        ids.delete(record.Id);
        if (ids.size === 0) index.delete(key);
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

  constructor(readonly schemas: SchemaRegistry) {
    for (const schema of schemas.list()) this.tables.set(schema.name.toLowerCase(), new ObjectTable(schema));
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
    for (const field of schema.fields) {
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
