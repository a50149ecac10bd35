// What a job's header means for an object: each column a field or a `Parent.ExternalId__c` reference.
import { FieldSchema, SchemaRegistry, SObjectSchema } from './sobject-schema';

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
