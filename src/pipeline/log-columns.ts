/** The sf__ columns of the log tables, after the uploaded columns (DESIGN.md §2.1–2.2). */
export const LOG_COLUMNS = ['sf__Id', 'sf__Created', 'sf__Error', 'sf__JobId'] as const;
