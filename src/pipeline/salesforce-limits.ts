/**
 * Salesforce's Bulk API 2.0 ingest limits the loader enforces before upload (Salesforce Developers, "Bulk API 2.0
 * and Bulk API Developer Guide" → "Limits and Allocations for Bulk API 2.0": 32,000 characters per field,
 * 400,000 characters per record, 100 MB of raw CSV per upload).
 */

/** Salesforce's limit on one value (characters, counted as Java does: UTF-16 code units). */
export const MAX_FIELD_CHARS = 32_000;
/** Salesforce's limit on one record (characters of the record's CSV text). */
export const MAX_ROW_CHARS = 400_000;
/** Salesforce's limit on one Bulk API 2.0 upload (raw CSV bytes). */
export const MAX_PART_BYTES = 100_000_000;
