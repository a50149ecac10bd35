import { closestMatch, ObjectConfig, Operation } from '../config';
import { FieldDescribe, SObjectDescribe } from '../salesforce';
import { preflightMessages as m } from './preflight-messages';

/** What the preflight needs from the org: describe calls (cached by the caller if wanted). */
export interface DescribeSource {
  describe(objectName: string): Promise<SObjectDescribe | undefined>;
  objectNames(): Promise<string[]>;
}

/** Problems that stop a load before any job exists; one line each, each saying what to fix. */
export class PreflightError extends Error {
  constructor(
    readonly object: string,
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${object} (${source}): ${problems.join('; ')}`);
    this.name = 'PreflightError';
  }
}

/** The header to upload and what the org said about the object. */
export interface PreflightResult {
  /** Source header with the column mapping applied and field names as the org spells them. */
  readonly uploadHeader: readonly string[];
  readonly object: SObjectDescribe;
}

/**
 * Column problems listed one by one; the rest are counted in one line. A file of thousands of columns
 * (more than the 5,000 fields a record can have) must not give a message thousands of lines long.
 */
export const MAX_LISTED_COLUMN_PROBLEMS = 10;

function requiredOnInsert(f: FieldDescribe): boolean {
  return f.createable && !f.nillable && !f.defaultedOnCreate && f.type !== 'boolean';
}

/**
 * Checks one source file's header against the org before any job is created (DESIGN.md §3): the object
 * exists and allows the operation, every column is a writable field or a `Relationship.ExternalIdField`
 * reference (not the polymorphic `Type:Relationship.Field` form), required fields are present for
 * insert, the upsert key is an External ID field, delete files carry only Id.
 */
export async function preflight(
  org: DescribeSource,
  config: ObjectConfig,
  sourceHeader: readonly string[],
  source: string,
): Promise<PreflightResult> {
  const object = await org.describe(config.name);
  if (!object) {
    const names = await org.objectNames();
    const guess = closestMatch(config.name, names);
    throw new PreflightError(config.name, source, [m.noSuchObject(config.name, guess)]);
  }
  const problems: string[] = [];
  if (!operationAllowed(config.operation, object)) problems.push(m.operationNotAllowed(config.operation, object.name));

  const check: ColumnCheck = {
    org,
    config,
    object,
    fields: new Map(object.fields.map((f) => [f.name.toLowerCase(), f])),
    relationships: new Map(
      object.fields.filter((f) => f.relationshipName).map((f) => [f.relationshipName!.toLowerCase(), f]),
    ),
    problems: [],
  };
  const header = await checkColumns(check, sourceHeader);
  problems.push(...listed(check.problems, sourceHeader.length, object.name));
  problems.push(...headerProblems(check, header));
  if (problems.length > 0) throw new PreflightError(object.name, source, problems);
  return { uploadHeader: header.uploadHeader, object };
}

/** What the checks of one file's columns share. */
interface ColumnCheck {
  readonly org: DescribeSource;
  readonly config: ObjectConfig;
  readonly object: SObjectDescribe;
  /** The object's fields by lower-case name. */
  readonly fields: ReadonlyMap<string, FieldDescribe>;
  /** The object's lookup fields by lower-case relationship name. */
  readonly relationships: ReadonlyMap<string, FieldDescribe>;
  /** Problems of single columns, in column order. */
  readonly problems: string[];
}

/** A file's header as checked: what is uploaded, and the fields it names (lower case). */
interface CheckedHeader {
  readonly sourceHeader: readonly string[];
  readonly uploadHeader: readonly string[];
  readonly seen: ReadonlySet<string>;
}

function operationAllowed(op: Operation, object: SObjectDescribe): boolean {
  return op === 'insert'
    ? object.createable
    : op === 'update'
      ? object.updateable
      : op === 'upsert'
        ? object.createable && object.updateable
        : object.deletable;
}

/** Maps and checks each column; the problems go to `check.problems`. */
async function checkColumns(check: ColumnCheck, sourceHeader: readonly string[]): Promise<CheckedHeader> {
  const { config } = check;
  const uploadHeader: string[] = [];
  const seen = new Set<string>();
  for (const sourceColumn of sourceHeader) {
    // The mapping comes from the user's file: only its own keys map, so a header such as `constructor` or
    // `toString` is looked up like any other name instead of finding what every JavaScript object carries.
    const column = Object.hasOwn(config.columnMapping, sourceColumn)
      ? config.columnMapping[sourceColumn]!
      : sourceColumn;
    const mappedFrom = column !== sourceColumn ? sourceColumn : undefined;
    const dot = column.indexOf('.');
    const canonical =
      dot > 0 ? await relationshipColumn(check, column, dot, mappedFrom) : fieldColumn(check, column, mappedFrom);
    if (canonical) {
      if (seen.has(canonical.toLowerCase())) {
        check.problems.push(m.mappedTwice(canonical));
      }
      seen.add(canonical.toLowerCase());
      uploadHeader.push(canonical);
    }
  }
  return { sourceHeader, uploadHeader, seen };
}

/** A column naming a field of the object: the field's name as the org spells it, or undefined (a problem). */
function fieldColumn(check: ColumnCheck, column: string, mappedFrom: string | undefined): string | undefined {
  const { object, relationships, problems } = check;
  const field = check.fields.get(column.toLowerCase());
  if (!field) {
    // Only listed problems show a guess, and guessing costs: a file of 5,000 columns would take seconds.
    const guess =
      problems.length < MAX_LISTED_COLUMN_PROBLEMS
        ? closestMatch(column, [...object.fields.map((f) => f.name), ...[...relationships.keys()]])
        : undefined;
    problems.push(m.notAField(column, mappedFrom, object.name, guess));
    return undefined;
  }
  const op = check.config.operation;
  if (!fieldWritable(field, op, check.config.externalIdField)) {
    problems.push(m.readOnly(field.name, mappedFrom, op));
  }
  return field.name;
}

function fieldWritable(field: FieldDescribe, op: Operation, externalIdField?: string): boolean {
  return field.name === 'Id'
    ? op !== 'insert'
    : op === 'insert'
      ? field.createable
      : op === 'update'
        ? field.updateable
        : op === 'upsert'
          ? field.createable || field.updateable || field.name.toLowerCase() === externalIdField?.toLowerCase()
          : true;
}

/** Problems of the header as a whole: required fields, Id for update and delete, the upsert key. */
function headerProblems(check: ColumnCheck, header: CheckedHeader): string[] {
  const { object, fields } = check;
  const { sourceHeader, uploadHeader, seen } = header;
  const op = check.config.operation;
  const problems: string[] = [];
  if (op === 'insert') {
    const missing = object.fields.filter(requiredOnInsert).filter((f) => !seen.has(f.name.toLowerCase()));
    if (missing.length > 0) problems.push(m.requiredMissing(missing.map((f) => f.name)));
  }
  if (op === 'update' && !seen.has('id')) problems.push(m.updateWithoutId);
  if ((op === 'delete' || op === 'hardDelete') && !(uploadHeader.length === 1 && uploadHeader[0] === 'Id')) {
    const found = sourceHeader.slice(0, MAX_LISTED_COLUMN_PROBLEMS);
    problems.push(m.deleteWithOtherColumns(op, found, sourceHeader.length - found.length));
  }
  if (op === 'upsert') {
    const key = check.config.externalIdField ?? '';
    const field = fields.get(key.toLowerCase());
    if (!field || !(field.externalId || field.name === 'Id')) {
      const candidates = object.fields.filter((f) => f.externalId).map((f) => f.name);
      problems.push(m.notAnExternalId(key, object.name, candidates));
    } else if (!seen.has(field.name.toLowerCase())) {
      problems.push(m.upsertKeyNotAColumn(field.name));
    }
  }
  return problems;
}

/** The first column problems, then one line counting the rest. */
function listed(columnProblems: readonly string[], columns: number, objectName: string): string[] {
  if (columnProblems.length <= MAX_LISTED_COLUMN_PROBLEMS) return [...columnProblems];
  const rest = columnProblems.length - MAX_LISTED_COLUMN_PROBLEMS;
  return [
    ...columnProblems.slice(0, MAX_LISTED_COLUMN_PROBLEMS),
    m.moreColumnProblems(rest, columnProblems.length, columns, objectName),
  ];
}

/** A `Relationship.Field` column: its canonical spelling, or undefined (a problem). */
async function relationshipColumn(
  check: ColumnCheck,
  column: string,
  dot: number,
  mappedFrom: string | undefined,
): Promise<string | undefined> {
  const { org, relationships, problems } = check;
  const objectName = check.object.name;
  const colon = column.indexOf(':');
  if (colon >= 0 && colon < dot) {
    // Bulk API's polymorphic form (Lead:Who.Email): not supported here, nor by the org emulator, and a
    // log column cannot be named after it (Athena and Hive refuse ":"); the parent's Id works in any org.
    const reference = relationships.get(column.slice(colon + 1, dot).toLowerCase());
    problems.push(m.polymorphic(column, mappedFrom, reference?.name));
    return undefined;
  }
  const relationshipName = column.slice(0, dot);
  const parentFieldName = column.slice(dot + 1);
  const reference = relationships.get(relationshipName.toLowerCase());
  if (!reference) {
    const guess = closestMatch(
      relationshipName,
      [...relationships.values()].map((f) => f.relationshipName!),
    );
    problems.push(
      m.notARelationship(
        column,
        mappedFrom,
        relationshipName,
        objectName,
        guess === undefined ? undefined : `${guess}.${parentFieldName}`,
      ),
    );
    return undefined;
  }
  const parent = await org.describe(reference.referenceTo[0] ?? '');
  const parentField = parent?.fields.find((f) => f.name.toLowerCase() === parentFieldName.toLowerCase());
  if (!parent || !parentField || !(parentField.externalId || parentField.idLookup)) {
    const candidates = parent?.fields.filter((f) => f.externalId).map((f) => f.name) ?? [];
    problems.push(
      m.parentFieldNotExternalId(
        column,
        mappedFrom,
        parentFieldName,
        parent?.name ?? reference.referenceTo[0] ?? reference.name,
        candidates.map((c) => `${reference.relationshipName}.${c}`),
        reference.name,
      ),
    );
    return undefined;
  }
  return `${reference.relationshipName}.${parentField.name}`;
}
