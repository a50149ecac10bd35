import { printable } from '../config';
import { FAILED_ROW_ERROR_COLUMNS } from './log-columns';

/**
 * Every message the preflight (src/pipeline/preflight.ts) shows a person, in one place: one sentence each,
 * the problem, then after "; " what to do; a guess at what was meant sits in parentheses, so it never runs
 * into the fix. Names come from the file's header, the configuration and the org's describe: each is shown
 * with printable(), so that one holding a line break or a terminal escape stays inside its line, inert.
 */

const n = (value: number) => value.toLocaleString('en-US');
const p = printable;
const list = (names: readonly string[], separator = ', ') => names.map(printable).join(separator);
/** A column as preflight names it: mapped columns also name their source column. */
const mappedColumn = (name: string, from: string | undefined) =>
  from === undefined ? `column ${p(name)}` : `column ${p(name)} (mapped from ${p(from)})`;
const didYouMean = (guess: string | undefined) => (guess === undefined ? '' : ` (did you mean ${p(guess)}?)`);

export const preflightMessages = {
  noSuchObject: (name: string, guess: string | undefined) =>
    `the org has no object ${p(name)}${didYouMean(guess)}; fix objects[].name in the configuration`,
  operationNotAllowed: (operation: string, object: string) =>
    `the org does not allow ${operation} on ${p(object)} for this user; choose another operation`,
  notAField: (name: string, from: string | undefined, object: string, guess: string | undefined) =>
    (FAILED_ROW_ERROR_COLUMNS as readonly string[]).includes(name.toLowerCase())
      ? `${mappedColumn(name, from)} is an error column of "sfetl failures export", not a field of ${p(object)}; delete the columns ${FAILED_ROW_ERROR_COLUMNS.join(' and ')} from the corrected file`
      : `${mappedColumn(name, from)} is not a field of ${p(object)}${didYouMean(guess)}; rename the column or map it with columnMapping`,
  readOnly: (field: string, from: string | undefined, operation: string) =>
    `${mappedColumn(field, from)} cannot be written by ${operation} (read-only field); remove the column`,
  mappedTwice: (field: string) => `column ${p(field)} appears twice after mapping; keep one`,
  moreColumnProblems: (rest: number, all: number, columns: number, object: string) =>
    `and ${n(rest)} more column problems (${n(all)} in all, in a file of ${n(columns)} columns); check that the file is meant for ${p(object)}, fix the columns and run again`,
  requiredMissing: (fields: readonly string[]) =>
    fields.length > 1
      ? `required fields ${list(fields)} missing for insert; add the columns`
      : `required field ${p(fields[0] ?? '')} missing for insert; add the column`,
  updateWithoutId: 'an update file needs an Id column; add the Id of each record to update',
  deleteWithOtherColumns: (operation: string, found: readonly string[], more: number) =>
    `a ${operation} file must carry only the Id column (found: ${list(found)}${more > 0 ? ` and ${n(more)} more` : ''}); remove the other columns`,
  notAnExternalId: (key: string, object: string, candidates: readonly string[]) =>
    `${p(key)} is not an External ID field of ${p(object)}; use ${candidates.length > 1 ? `one of ${list(candidates)}` : candidates[0] === undefined ? 'Id (the object has no External ID field)' : p(candidates[0])} as externalIdField`,
  upsertKeyNotAColumn: (field: string) => `the upsert key ${p(field)} is not a column of the file; add it`,
  polymorphic: (name: string, from: string | undefined, lookupField: string | undefined) =>
    `${mappedColumn(name, from)}: polymorphic references (<Type>:<Relationship>.<Field>) are not supported; load the parent's record Id into ${lookupField === undefined ? 'its lookup field (e.g. WhoId)' : `the ${p(lookupField)} column`} instead`,
  notARelationship: (
    name: string,
    from: string | undefined,
    relationship: string,
    object: string,
    guess: string | undefined,
  ) =>
    `${mappedColumn(name, from)}: ${p(relationship)} is not a relationship of ${p(object)}${didYouMean(guess)}; use <Relationship>.<ExternalIdField>`,
  parentFieldNotExternalId: (
    name: string,
    from: string | undefined,
    field: string,
    parent: string,
    candidates: readonly string[],
    lookupField: string,
  ) =>
    `${mappedColumn(name, from)}: ${p(field)} is not an External ID field of ${p(parent)}; ${
      candidates.length > 0
        ? `use ${list(candidates, ' or ')}`
        : `${p(parent)} has no External ID field: load the parent's record Id into the ${p(lookupField)} column instead`
    }`,
} as const;
