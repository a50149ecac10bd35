/**
 * Salesforce's record-level error texts, as they appear in `sf__Error` of failedResults:
 * `CODE:message:Field1,Field2 --` or `CODE:message:--` when no field is involved.
 */
export type RecordErrorCode =
  | 'REQUIRED_FIELD_MISSING'
  | 'STRING_TOO_LONG'
  | 'INVALID_EMAIL_ADDRESS'
  | 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'
  | 'INVALID_TYPE_ON_FIELD_IN_RECORD'
  | 'NUMBER_OUTSIDE_VALID_RANGE'
  | 'DUPLICATE_VALUE'
  | 'DUPLICATE_EXTERNAL_ID'
  | 'INVALID_FIELD'
  | 'INVALID_FIELD_FOR_INSERT_UPDATE'
  | 'MALFORMED_ID'
  | 'ENTITY_IS_DELETED'
  | 'INVALID_CROSS_REFERENCE_KEY'
  | 'MISSING_ARGUMENT'
  | 'UNABLE_TO_LOCK_ROW'
  | 'INSUFFICIENT_ACCESS_OR_READONLY';

/** A record that Salesforce would reject, with its error text. */
export class RecordError {
  constructor(
    readonly code: RecordErrorCode,
    readonly message: string,
    readonly fields: readonly string[] = [],
  ) {}

  /** The `sf__Error` text. */
  toString(): string {
    return `${this.code}:${this.message}:${this.fields.length > 0 ? `${this.fields.join(',')} ` : ''}--`;
  }
}
