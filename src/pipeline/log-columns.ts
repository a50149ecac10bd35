/** The sf__ columns of the log tables, after the uploaded columns (DESIGN.md §2.1–2.2). */
export const LOG_COLUMNS = ['sf__Id', 'sf__Created', 'sf__Error', 'sf__JobId'] as const;

/**
 * The error columns `sfetl failures export` adds after a failed row's source columns. They are no fields:
 * a file that still has them is refused at preflight with a message saying to delete them.
 */
export const FAILED_ROW_ERROR_COLUMNS = ['sfetl_error_code', 'sfetl_error_message'] as const;
