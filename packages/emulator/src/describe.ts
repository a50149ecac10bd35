import type { FieldSchema, FieldType, SchemaRegistry, SObjectSchema } from './sobject-schema';

/** One value of a picklist field, as in `fields[].picklistValues`. */
export interface PicklistEntryDescribe {
  readonly active: boolean;
  readonly defaultValue: boolean;
  readonly label: string;
  readonly validFor: string | null;
  readonly value: string;
}

/** One entry of `fields` in an sObject describe, with every key Salesforce returns. */
export interface FieldDescribe {
  readonly aggregatable: boolean;
  readonly aiPredictionField: boolean;
  readonly autoNumber: boolean;
  readonly byteLength: number;
  readonly calculated: boolean;
  readonly calculatedFormula: string | null;
  readonly cascadeDelete: boolean;
  readonly caseSensitive: boolean;
  readonly compoundFieldName: string | null;
  readonly controllerName: string | null;
  readonly createable: boolean;
  readonly custom: boolean;
  readonly defaultValue: boolean | string | null;
  readonly defaultValueFormula: string | null;
  readonly defaultedOnCreate: boolean;
  readonly dependentPicklist: boolean;
  readonly deprecatedAndHidden: boolean;
  readonly digits: number;
  readonly displayLocationInDecimal: boolean;
  readonly encrypted: boolean;
  readonly externalId: boolean;
  readonly extraTypeInfo: string | null;
  readonly filterable: boolean;
  readonly filteredLookupInfo: null;
  readonly formulaTreatNullNumberAsZero: boolean;
  readonly groupable: boolean;
  readonly highScaleNumber: boolean;
  readonly htmlFormatted: boolean;
  readonly idLookup: boolean;
  readonly inlineHelpText: string | null;
  readonly label: string;
  readonly length: number;
  readonly mask: string | null;
  readonly maskType: string | null;
  readonly name: string;
  readonly nameField: boolean;
  readonly namePointing: boolean;
  readonly nillable: boolean;
  readonly permissionable: boolean;
  readonly picklistValues: readonly PicklistEntryDescribe[];
  readonly polymorphicForeignKey: boolean;
  readonly precision: number;
  readonly queryByDistance: boolean;
  readonly referenceTargetField: string | null;
  readonly referenceTo: readonly string[];
  readonly relationshipName: string | null;
  readonly relationshipOrder: number | null;
  readonly restrictedDelete: boolean;
  readonly restrictedPicklist: boolean;
  readonly scale: number;
  readonly searchPrefilterable: boolean;
  readonly soapType: string;
  readonly sortable: boolean;
  readonly type: FieldType;
  readonly unique: boolean;
  readonly updateable: boolean;
  readonly writeRequiresMasterRead: boolean;
}

/** One entry of `childRelationships`: a reference field on another object that points at this one. */
export interface ChildRelationshipDescribe {
  readonly cascadeDelete: boolean;
  readonly childSObject: string;
  readonly deprecatedAndHidden: boolean;
  readonly field: string;
  readonly junctionIdListNames: readonly string[];
  readonly junctionReferenceTo: readonly string[];
  readonly relationshipName: string | null;
  readonly restrictedDelete: boolean;
}

/** One entry of `recordTypeInfos`. */
export interface RecordTypeInfoDescribe {
  readonly active: boolean;
  readonly available: boolean;
  readonly defaultRecordTypeMapping: boolean;
  readonly developerName: string;
  readonly master: boolean;
  readonly name: string;
  readonly recordTypeId: string;
  readonly urls: { readonly layout: string };
}

/** One entry of `sobjects` in the global describe (also `objectDescribe` of GET …/sobjects/<Object>). */
export interface GlobalSObjectDescribe {
  readonly activateable: boolean;
  readonly associateEntityType: string | null;
  readonly associateParentEntity: string | null;
  readonly createable: boolean;
  readonly custom: boolean;
  readonly customSetting: boolean;
  readonly deepCloneable: boolean;
  readonly deletable: boolean;
  readonly deprecatedAndHidden: boolean;
  readonly feedEnabled: boolean;
  readonly hasSubtypes: boolean;
  readonly isInterface: boolean;
  readonly isSubtype: boolean;
  readonly keyPrefix: string;
  readonly label: string;
  readonly labelPlural: string;
  readonly layoutable: boolean;
  readonly mergeable: boolean;
  readonly mruEnabled: boolean;
  readonly name: string;
  readonly queryable: boolean;
  readonly replicateable: boolean;
  readonly retrieveable: boolean;
  readonly searchable: boolean;
  readonly triggerable: boolean;
  readonly undeletable: boolean;
  readonly updateable: boolean;
  readonly urls: Readonly<Record<string, string>>;
}

/** Body of GET /services/data/vXX.X/sobjects. */
export interface GlobalDescribe {
  readonly encoding: string;
  readonly maxBatchSize: number;
  readonly sobjects: readonly GlobalSObjectDescribe[];
}

/** Body of GET /services/data/vXX.X/sobjects/<Object>/describe. */
export interface SObjectDescribe extends GlobalSObjectDescribe {
  readonly actionOverrides: readonly never[];
  readonly childRelationships: readonly ChildRelationshipDescribe[];
  readonly compactLayoutable: boolean;
  readonly defaultImplementation: string | null;
  readonly extendedBy: string | null;
  readonly extendsInterfaces: string | null;
  readonly fields: readonly FieldDescribe[];
  readonly implementedBy: string | null;
  readonly implementsInterfaces: string | null;
  readonly listviewable: boolean | null;
  readonly lookupLayoutable: boolean | null;
  readonly namedLayoutInfos: readonly never[];
  readonly networkScopeFieldName: string | null;
  readonly recordTypeInfos: readonly RecordTypeInfoDescribe[];
  readonly searchLayoutable: boolean;
  readonly sobjectDescribeOption: string;
  readonly supportedScopes: readonly { readonly label: string; readonly name: string }[];
}

/** Body of GET /services/data/vXX.X/sobjects/<Object>. */
export interface SObjectBasicInfo {
  readonly objectDescribe: GlobalSObjectDescribe;
  readonly recentItems: readonly never[];
}

/** Options of describeSObject. */
export interface DescribeOptions {
  /** The org's instance URL (`https://…`), for the `ui*Template` urls a real describe carries. @default those urls are left out */
  readonly instanceUrl?: string;
}

/** The id every org gives its Master record type. */
const MASTER_RECORD_TYPE_ID = '012000000000000AAA';

const SOAP_TYPES: Readonly<Record<FieldType, string>> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  multipicklist: 'xsd:string',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

const TEXT_TYPES: ReadonlySet<FieldType> = new Set([
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
  'multipicklist',
]);
const DECIMAL_TYPES: ReadonlySet<FieldType> = new Set(['double', 'currency', 'percent']);
/** Types SOQL cannot GROUP BY. */
const UNGROUPABLE_TYPES: ReadonlySet<FieldType> = new Set([
  'multipicklist',
  'double',
  'currency',
  'percent',
  'datetime',
]);
const SYSTEM_FIELDS: ReadonlySet<string> = new Set([
  'Id',
  'IsDeleted',
  'CreatedDate',
  'CreatedById',
  'LastModifiedDate',
  'LastModifiedById',
  'SystemModstamp',
  'OwnerId',
]);
/** Parts of a standard person name, which Salesforce marks and groups under the compound `Name`. */
const PERSON_NAME_PARTS: ReadonlySet<string> = new Set(['Salutation', 'FirstName', 'MiddleName', 'LastName', 'Suffix']);
/** Standard objects whose records can be merged (Account, Contact, Lead; Case since API 52). */
const MERGEABLE_OBJECTS: ReadonlySet<string> = new Set(['Account', 'Contact', 'Lead', 'Case']);
/** A textarea longer than this is a long text area: not filterable, sortable or groupable. */
const SHORT_TEXTAREA_MAX = 255;

/** The same object with its keys in alphabetical order, the order Salesforce writes them in. */
function alphabetical<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** `60.0` or `v60.0` → `/services/data/v60.0`. */
function dataPath(apiVersion: string): string {
  return `/services/data/v${apiVersion.replace(/^v/, '')}`;
}

/** A text field the platform fills and no one writes: an auto number (Case.CaseNumber). */
function isAutoNumber(field: FieldSchema): boolean {
  return (
    field.type === 'string' &&
    field.defaultedOnCreate &&
    !field.createable &&
    !field.updateable &&
    !field.calculated &&
    !SYSTEM_FIELDS.has(field.name)
  );
}

/** The field that names a record: Name, or the auto number of objects without one (Case.CaseNumber). */
function nameFieldOf(object: SObjectSchema): string | undefined {
  return object.fieldsByLowerName.has('name') ? 'Name' : object.fields.find(isAutoNumber)?.name;
}

/** A standard person name (Contact, Lead) is a compound Name no one writes, made of its parts. */
function hasPersonName(object: SObjectSchema): boolean {
  const name = object.fieldsByLowerName.get('name');
  return name !== undefined && !name.createable && object.fieldsByLowerName.has('lastname');
}

function picklistEntries(field: FieldSchema): PicklistEntryDescribe[] {
  // A defaulted picklist starts at its first value (Lead.Status → "Open - Not Contacted").
  return field.picklistValues.map((value, index) => ({
    active: true,
    defaultValue: field.defaultedOnCreate && index === 0,
    label: value,
    validFor: null,
    value,
  }));
}

/** What a field's describe needs to know about its object. */
interface FieldContext {
  readonly nameField: string | undefined;
  readonly personName: boolean;
}

function describeField(field: FieldSchema, context: FieldContext): FieldDescribe {
  const { type } = field;
  const isText = TEXT_TYPES.has(type);
  const isIdLike = type === 'id' || type === 'reference';
  const length = isText || isIdLike ? field.length : 0;
  const longText = type === 'textarea' && length > SHORT_TEXTAREA_MAX;
  const polymorphic = field.referenceTo.length > 1;
  const isPersonNamePart = context.personName && (PERSON_NAME_PARTS.has(field.name) || field.name === 'Name');
  let extraTypeInfo: string | null = null;
  if (type === 'textarea') extraTypeInfo = 'plaintextarea';
  else if (isPersonNamePart && field.name !== 'Salutation') extraTypeInfo = 'personname';
  return {
    aggregatable: !longText && type !== 'multipicklist' && type !== 'boolean',
    aiPredictionField: false,
    autoNumber: isAutoNumber(field),
    byteLength: isText ? length * 3 : isIdLike ? 18 : 0,
    calculated: field.calculated,
    calculatedFormula: null,
    cascadeDelete: false,
    caseSensitive: field.caseSensitive,
    compoundFieldName: isPersonNamePart && field.name !== 'Name' ? 'Name' : null,
    controllerName: null,
    createable: field.createable,
    custom: field.custom,
    defaultValue: type === 'boolean' ? false : null,
    defaultValueFormula: null,
    defaultedOnCreate: field.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: type === 'int' ? field.precision : 0,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: field.externalId,
    extraTypeInfo,
    filterable: !longText,
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: !longText && !UNGROUPABLE_TYPES.has(type),
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: field.idLookup,
    inlineHelpText: null,
    label: field.label,
    length,
    mask: null,
    maskType: null,
    name: field.name,
    nameField: field.name === context.nameField,
    namePointing: polymorphic,
    nillable: field.nillable,
    // Field-level security applies to optional fields only; system, name and required fields are always visible.
    permissionable:
      !SYSTEM_FIELDS.has(field.name) &&
      field.name !== context.nameField &&
      (field.nillable || type === 'boolean') &&
      (field.createable || field.updateable || field.calculated),
    picklistValues: type === 'picklist' || type === 'multipicklist' ? picklistEntries(field) : [],
    polymorphicForeignKey: polymorphic,
    precision: DECIMAL_TYPES.has(type) ? field.precision : 0,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: field.referenceTo,
    relationshipName: field.relationshipName,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: field.restrictedPicklist,
    scale: DECIMAL_TYPES.has(type) ? field.scale : 0,
    searchPrefilterable: type === 'reference' && !polymorphic,
    soapType: SOAP_TYPES[type],
    sortable: !longText && type !== 'multipicklist',
    type,
    unique: field.unique,
    updateable: field.updateable,
    writeRequiresMasterRead: false,
  };
}

/**
 * The name a parent uses for its children (Account.Contacts, Account.Invoices__r): the child's plural label,
 * `Child…` for a self lookup through ParentId, none for system and read-only lookups (as Salesforce leaves them).
 */
function childRelationshipName(parent: SObjectSchema, child: SObjectSchema, field: FieldSchema): string | null {
  if (SYSTEM_FIELDS.has(field.name) || !field.createable) return null;
  const plural = child.labelPlural.replace(/[^A-Za-z0-9]/g, '');
  if (child.name === parent.name) return field.name === 'ParentId' ? `Child${plural}` : null;
  return field.custom ? `${plural}__r` : plural;
}

function childRelationships(parent: SObjectSchema, registry: SchemaRegistry): ChildRelationshipDescribe[] {
  const pointing: { child: SObjectSchema; field: FieldSchema }[] = [];
  for (const child of registry.list()) {
    for (const field of child.fields) {
      if (
        field.type === 'reference' &&
        field.referenceTo.some((to) => to.toLowerCase() === parent.name.toLowerCase())
      ) {
        pointing.push({ child, field });
      }
    }
  }
  pointing.sort((a, b) => a.child.name.localeCompare(b.child.name) || a.field.name.localeCompare(b.field.name));
  // A relationship name is unique per parent; a later lookup that would repeat one gets none.
  const used = new Set<string>();
  return pointing.map(({ child, field }) => {
    let relationshipName = childRelationshipName(parent, child, field);
    if (relationshipName !== null) {
      if (used.has(relationshipName.toLowerCase())) relationshipName = null;
      else used.add(relationshipName.toLowerCase());
    }
    return {
      cascadeDelete: false,
      childSObject: child.name,
      deprecatedAndHidden: false,
      field: field.name,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName,
      restrictedDelete: false,
    };
  });
}

function objectUrls(object: SObjectSchema, apiVersion: string, instanceUrl?: string): Record<string, string> {
  const base = `${dataPath(apiVersion)}/sobjects/${object.name}`;
  const ui: Record<string, string> = instanceUrl
    ? {
        uiDetailTemplate: `${instanceUrl.replace(/\/$/, '')}/{ID}`,
        uiEditTemplate: `${instanceUrl.replace(/\/$/, '')}/{ID}/e`,
        uiNewRecord: `${instanceUrl.replace(/\/$/, '')}/${object.keyPrefix}/e`,
      }
    : {};
  const caseOnly: Record<string, string> =
    object.name === 'Case'
      ? {
          caseArticleSuggestions: `${base}/suggestedArticles`,
          caseRowArticleSuggestions: `${base}/{ID}/suggestedArticles`,
        }
      : {};
  return {
    compactLayouts: `${base}/describe/compactLayouts`,
    rowTemplate: `${base}/{ID}`,
    approvalLayouts: `${base}/describe/approvalLayouts`,
    ...caseOnly,
    ...ui,
    listviews: `${base}/listviews`,
    describe: `${base}/describe`,
    quickActions: `${base}/quickActions`,
    layouts: `${base}/describe/layouts`,
    sobject: base,
  };
}

function globalEntry(object: SObjectSchema, apiVersion: string, instanceUrl?: string): GlobalSObjectDescribe {
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: object.createable,
    custom: object.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: object.deletable,
    deprecatedAndHidden: false,
    // Standard CRM objects ship with feed tracking on; a new custom object has it off.
    feedEnabled: !object.custom,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: object.keyPrefix,
    label: object.label,
    labelPlural: object.labelPlural,
    layoutable: true,
    mergeable: MERGEABLE_OBJECTS.has(object.name),
    mruEnabled: true,
    name: object.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: object.deletable,
    updateable: object.updateable,
    urls: objectUrls(object, apiVersion, instanceUrl),
  };
}

/** GET /services/data/vXX.X/sobjects: every object of the org, as `sf sobject list` and jsforce's describeGlobal read it. */
export function describeGlobal(registry: SchemaRegistry, apiVersion: string): GlobalDescribe {
  return {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: registry.list().map((object) => globalEntry(object, apiVersion)),
  };
}

/** GET /services/data/vXX.X/sobjects/<Object>: the object's global describe entry and its (empty) recent items. */
export function sobjectBasicInfo(object: SObjectSchema, apiVersion: string): SObjectBasicInfo {
  return { objectDescribe: globalEntry(object, apiVersion), recentItems: [] };
}

/**
 * GET /services/data/vXX.X/sobjects/<Object>/describe. The registry supplies `childRelationships`: every
 * reference field of the org's objects that points at this one.
 */
export function describeSObject(
  object: SObjectSchema,
  registry: SchemaRegistry,
  apiVersion: string,
  options: DescribeOptions = {},
): SObjectDescribe {
  const plural = object.labelPlural.toLowerCase();
  const owned = object.fieldsByLowerName.has('ownerid');
  const layoutUrl = `${dataPath(apiVersion)}/sobjects/${object.name}/describe/layouts/${MASTER_RECORD_TYPE_ID}`;
  const context: FieldContext = { nameField: nameFieldOf(object), personName: hasPersonName(object) };
  return alphabetical({
    ...globalEntry(object, apiVersion, options.instanceUrl),
    actionOverrides: [],
    childRelationships: childRelationships(object, registry),
    compactLayoutable: true,
    defaultImplementation: null,
    extendedBy: null,
    extendsInterfaces: null,
    fields: object.fields.map((field) => describeField(field, context)),
    implementedBy: null,
    implementsInterfaces: null,
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [
      {
        active: true,
        available: true,
        defaultRecordTypeMapping: true,
        developerName: 'Master',
        master: true,
        name: 'Master',
        recordTypeId: MASTER_RECORD_TYPE_ID,
        urls: { layout: layoutUrl },
      },
    ],
    searchLayoutable: true,
    sobjectDescribeOption: 'FULL',
    supportedScopes: [
      { label: `All ${plural}`, name: 'everything' },
      ...(owned
        ? [
            { label: `My ${plural}`, name: 'mine' },
            { label: `My team's ${plural}`, name: 'team' },
          ]
        : []),
    ],
  });
}
