import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSyntaxError } from '../../syntax-errors/src';

/** Salesforce field types the emulator validates (the `type` of a field describe). */
export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'multipicklist'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'reference';

export const FIELD_TYPES: readonly FieldType[] = [
  'id',
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
  'multipicklist',
  'boolean',
  'int',
  'double',
  'currency',
  'percent',
  'date',
  'datetime',
  'reference',
];

/** A field as written in an object schema file; omitted flags take Salesforce's usual defaults. */
export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** @default the name with underscores as spaces */
  readonly label?: string;
  /** Maximum length for text types. @default 255 for string/url/picklist, 80 for email, 40 for phone, 32768 for textarea */
  readonly length?: number;
  /** Digits for numbers. @default 18 */
  readonly precision?: number;
  /** Digits after the point. @default 0 for int, 2 for currency/percent, 2 for double */
  readonly scale?: number;
  /** Required on insert (nillable false, not defaulted). @default false */
  readonly required?: boolean;
  /** @default true, false for system fields */
  readonly createable?: boolean;
  /** @default true, false for system fields */
  readonly updateable?: boolean;
  /**
   * The platform fills it on create when it is absent (e.g. a custom object's Name; a picklist's first value).
   * @default true for boolean (an absent checkbox is false), false otherwise
   */
  readonly defaultedOnCreate?: boolean;
  /** @default false */
  readonly unique?: boolean;
  /** @default false */
  readonly externalId?: boolean;
  /** @default true for Id, Name, unique and external id fields */
  readonly idLookup?: boolean;
  /** @default false */
  readonly caseSensitive?: boolean;
  /** Picklist values, in order; the first one marked default is the default. */
  readonly picklistValues?: readonly string[];
  /** A restricted picklist rejects values not in the list. @default false */
  readonly restrictedPicklist?: boolean;
  /** For reference fields: the objects it can point at. */
  readonly referenceTo?: readonly string[];
  /** For reference fields: the name used in `Parent.Field` columns (Account for AccountId, Account__r for Account__c). */
  readonly relationshipName?: string;
  /** A formula or compound field that is never written. @default false */
  readonly calculated?: boolean;
}

/** An object schema file (`<Object>.json`). */
export interface SObjectSpec {
  readonly name: string;
  readonly label?: string;
  readonly labelPlural?: string;
  /** Three characters starting every record id (001 Account, 003 Contact, a0X… for custom objects). */
  readonly keyPrefix: string;
  /** Fields besides the system fields every object gets. */
  readonly fields: readonly FieldSpec[];
  /** @default true */
  readonly createable?: boolean;
  /** @default true */
  readonly updateable?: boolean;
  /** @default true */
  readonly deletable?: boolean;
  /** Objects without an owner (detail side of master-detail) have no OwnerId. @default true */
  readonly hasOwner?: boolean;
}

/** A field with every describe flag resolved. */
export interface FieldSchema {
  readonly name: string;
  readonly type: FieldType;
  readonly label: string;
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  readonly nillable: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly defaultedOnCreate: boolean;
  readonly unique: boolean;
  readonly externalId: boolean;
  readonly idLookup: boolean;
  readonly caseSensitive: boolean;
  readonly custom: boolean;
  readonly calculated: boolean;
  readonly picklistValues: readonly string[];
  readonly restrictedPicklist: boolean;
  readonly referenceTo: readonly string[];
  readonly relationshipName: string | null;
}

/** An object with its resolved fields, looked up case-insensitively as Salesforce does. */
export interface SObjectSchema {
  readonly name: string;
  readonly label: string;
  readonly labelPlural: string;
  readonly keyPrefix: string;
  readonly custom: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  readonly fields: readonly FieldSchema[];
  /** Field by lowercase API name. */
  readonly fieldsByLowerName: ReadonlyMap<string, FieldSchema>;
  /** Reference field by lowercase relationship name. */
  readonly relationshipsByLowerName: ReadonlyMap<string, FieldSchema>;
}

/** A schema file that cannot be used; says which file and what to change. */
export class SObjectSchemaError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'SObjectSchemaError';
  }
}

const TEXT_DEFAULT_LENGTH: Partial<Record<FieldType, number>> = {
  string: 255,
  email: 80,
  url: 255,
  phone: 40,
  textarea: 32768,
  picklist: 255,
  multipicklist: 4099,
  id: 18,
  reference: 18,
};

function systemFields(spec: SObjectSpec): FieldSpec[] {
  const system: FieldSpec[] = [
    { name: 'Id', type: 'id', label: `${spec.label ?? spec.name} ID`, idLookup: true },
    { name: 'IsDeleted', type: 'boolean', label: 'Deleted' },
    { name: 'CreatedDate', type: 'datetime', label: 'Created Date' },
    {
      name: 'CreatedById',
      type: 'reference',
      label: 'Created By ID',
      referenceTo: ['User'],
      relationshipName: 'CreatedBy',
    },
    { name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date' },
    {
      name: 'LastModifiedById',
      type: 'reference',
      label: 'Last Modified By ID',
      referenceTo: ['User'],
      relationshipName: 'LastModifiedBy',
    },
    { name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' },
  ];
  // As in a real describe: the platform fills every system field (Id included) and none of them is ever null.
  const resolved: FieldSpec[] = system.map((f) => ({
    ...f,
    required: true,
    createable: false,
    updateable: false,
    defaultedOnCreate: true,
  }));
  if (spec.hasOwner ?? true) {
    resolved.push({
      name: 'OwnerId',
      type: 'reference',
      label: 'Owner ID',
      referenceTo: ['User'],
      relationshipName: 'Owner',
      required: true,
      createable: true,
      updateable: true,
      defaultedOnCreate: true,
    });
  }
  return resolved;
}

function resolveField(spec: FieldSpec, file: string): FieldSchema {
  if (!spec || typeof spec !== 'object' || !spec.name || typeof spec.name !== 'string') {
    throw new SObjectSchemaError(file, 'every field needs a "name"');
  }
  // Records are objects keyed by field name: a field that every object already has (toString, constructor)
  // would read as Object's method wherever a record lacks a value. No Salesforce field is named so (standard
  // fields start with a capital letter, custom ones end in __c), so it is refused rather than emulated.
  if (spec.name in Object.prototype) {
    throw new SObjectSchemaError(
      file,
      `field ${spec.name}: the name is taken by every JavaScript object, which the emulator stores records as; no Salesforce field has it: rename the field (custom fields end in __c)`,
    );
  }
  if (!FIELD_TYPES.includes(spec.type)) {
    throw new SObjectSchemaError(
      file,
      `field ${spec.name}: type "${String(spec.type)}" is not one of ${FIELD_TYPES.join(', ')}`,
    );
  }
  if (spec.type === 'reference' && !(spec.referenceTo && spec.referenceTo.length > 0)) {
    throw new SObjectSchemaError(file, `field ${spec.name}: a reference field needs "referenceTo"`);
  }
  const custom = spec.name.endsWith('__c');
  const isName = spec.name === 'Name';
  const calculated = spec.calculated ?? false;
  const required = spec.required ?? false;
  const defaultedOnCreate = spec.defaultedOnCreate ?? spec.type === 'boolean';
  const relationshipName =
    spec.type === 'reference'
      ? (spec.relationshipName ?? (custom ? spec.name.replace(/__c$/, '__r') : spec.name.replace(/Id$/, '')))
      : null;
  return {
    name: spec.name,
    type: spec.type,
    label: spec.label ?? spec.name.replace(/__c$/, '').replace(/_/g, ' '),
    length: spec.length ?? TEXT_DEFAULT_LENGTH[spec.type] ?? 0,
    precision: spec.precision ?? (['int', 'double', 'currency', 'percent'].includes(spec.type) ? 18 : 0),
    scale: spec.scale ?? (spec.type === 'int' ? 0 : ['double', 'currency', 'percent'].includes(spec.type) ? 2 : 0),
    // Booleans are never nillable in Salesforce: an absent value is false.
    nillable: spec.type === 'boolean' ? false : !required && spec.name !== 'Id' && !(isName && defaultedOnCreate),
    createable: calculated ? false : (spec.createable ?? true),
    updateable: calculated ? false : (spec.updateable ?? true),
    defaultedOnCreate,
    unique: spec.unique ?? false,
    externalId: spec.externalId ?? false,
    idLookup: spec.idLookup ?? (spec.name === 'Id' || isName || (spec.unique ?? false) || (spec.externalId ?? false)),
    caseSensitive: spec.caseSensitive ?? false,
    custom,
    calculated,
    picklistValues: spec.picklistValues ?? [],
    restrictedPicklist: spec.restrictedPicklist ?? false,
    referenceTo: spec.referenceTo ?? [],
    relationshipName,
  };
}

/** Resolves one object schema file's content; throws SObjectSchemaError on a mistake. */
export function resolveSObject(spec: SObjectSpec, file: string): SObjectSchema {
  if (!spec || typeof spec.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(spec.name)) {
    throw new SObjectSchemaError(file, '"name" must be an sObject API name such as Account or Invoice__c');
  }
  if (typeof spec.keyPrefix !== 'string' || !/^[0-9A-Za-z]{3}$/.test(spec.keyPrefix)) {
    throw new SObjectSchemaError(file, '"keyPrefix" must be 3 letters or digits (e.g. "001", "a01")');
  }
  if (!Array.isArray(spec.fields)) {
    throw new SObjectSchemaError(file, '"fields" must be an array of field specs');
  }
  const declared = new Set(spec.fields.map((f) => (typeof f?.name === 'string' ? f.name.toLowerCase() : '')));
  const fields = [...systemFields(spec).filter((f) => !declared.has(f.name.toLowerCase())), ...spec.fields].map((f) =>
    resolveField(f, file),
  );
  const fieldsByLowerName = new Map<string, FieldSchema>();
  const relationshipsByLowerName = new Map<string, FieldSchema>();
  for (const field of fields) {
    const key = field.name.toLowerCase();
    if (fieldsByLowerName.has(key)) {
      throw new SObjectSchemaError(file, `field ${field.name} is declared twice`);
    }
    fieldsByLowerName.set(key, field);
    if (field.relationshipName) {
      relationshipsByLowerName.set(field.relationshipName.toLowerCase(), field);
    }
  }
  return {
    name: spec.name,
    label: spec.label ?? spec.name.replace(/__c$/, '').replace(/_/g, ' '),
    labelPlural: spec.labelPlural ?? `${spec.label ?? spec.name.replace(/__c$/, '').replace(/_/g, ' ')}s`,
    keyPrefix: spec.keyPrefix,
    custom: spec.name.endsWith('__c'),
    createable: spec.createable ?? true,
    updateable: spec.updateable ?? true,
    deletable: spec.deletable ?? true,
    fields,
    fieldsByLowerName,
    relationshipsByLowerName,
  };
}

/** The objects of one org, looked up case-insensitively. */
export class SchemaRegistry {
  /**
   * Loads every `*.json` in the given directories; a later directory's object replaces an earlier one's.
   * Two different objects may not share a key prefix: ids would resolve to the wrong object.
   */
  static fromDirectories(directories: readonly string[]): SchemaRegistry {
    const objects = new Map<string, { object: SObjectSchema; file: string }>();
    for (const directory of directories) {
      let entries: string[];
      try {
        entries = readdirSync(directory);
      } catch (err) {
        throw new SObjectSchemaError(directory, `cannot read the schema directory (${(err as Error).message})`);
      }
      for (const entry of entries.filter((f) => f.endsWith('.json')).sort()) {
        const file = join(directory, entry);
        let spec: SObjectSpec;
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw new SObjectSchemaError(file, `cannot be read (${(err as Error).message})`);
        }
        try {
          spec = JSON.parse(text) as SObjectSpec;
        } catch {
          // Where and what, not V8's message, which quotes the text around the mistake.
          throw new SObjectSchemaError(file, `not valid JSON (${jsonSyntaxError(text)})`);
        }
        const object = resolveSObject(spec, file);
        objects.set(object.name.toLowerCase(), { object, file });
      }
    }
    const byPrefix = new Map<string, string>();
    for (const { object, file } of objects.values()) {
      const other = byPrefix.get(object.keyPrefix);
      if (other !== undefined) {
        throw new SObjectSchemaError(
          file,
          `keyPrefix "${object.keyPrefix}" of ${object.name} is already used by ${other}; give each object its own`,
        );
      }
      byPrefix.set(object.keyPrefix, object.name);
    }
    return new SchemaRegistry([...objects.values()].map(({ object }) => object));
  }

  private readonly byLowerName = new Map<string, SObjectSchema>();
  private readonly byKeyPrefix = new Map<string, SObjectSchema>();

  constructor(objects: Iterable<SObjectSchema>) {
    for (const object of objects) {
      this.byLowerName.set(object.name.toLowerCase(), object);
      this.byKeyPrefix.set(object.keyPrefix, object);
    }
  }

  get(name: string): SObjectSchema | undefined {
    return this.byLowerName.get(name.toLowerCase());
  }

  /** The object whose records have ids starting with this id's key prefix. */
  forId(id: string): SObjectSchema | undefined {
    return this.byKeyPrefix.get(id.slice(0, 3));
  }

  list(): SObjectSchema[] {
    return [...this.byLowerName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** The directory of the schema files shipped with the emulator. */
export const BUILTIN_OBJECTS_DIR = join(__dirname, 'objects');

/** A value as stored in an emulated record (dates and datetimes as ISO strings, as the REST API returns them). */
export type FieldValue = string | number | boolean | null;

/** A stored record: `Id` plus field values keyed by the field's API name. */
export type SObjectRecord = { Id: string } & { [field: string]: FieldValue };
