/**
 * SQLite's full-text index of the logs ("RequestLogSearch", FTS5 over "RequestLog"; migrations
 * 0016_log_search and 0018_log_search_index_by_writer): the writers of log rows add their index
 * entries themselves, in the transaction that inserts the rows. An insert trigger would do it for
 * them, but would make every log insert pay for a statement journal (0018 says how much). Updates
 * and deletes of logs are followed by triggers. PostgreSQL's index is a GIN index on the table and
 * needs none of this.
 */

/** One log just inserted, by its rowid (`lastInsertRowid`): parameters rowid, searchText. */
export const SQLITE_INDEX_LOG_SQL = `INSERT INTO "RequestLogSearch"(rowid, "searchText") VALUES (?, ?)`;

/**
 * The logs with these ids (a JSON array of strings, one parameter) that have a text and are not in
 * the index yet: for writers that do not see the rowids of what they inserted (Prisma's createMany).
 */
export const SQLITE_INDEX_LOGS_BY_ID_SQL = `INSERT INTO "RequestLogSearch"(rowid, "searchText")
  SELECT l.rowid, l."searchText" FROM "RequestLog" l
  WHERE l."id" IN (SELECT value FROM json_each(?)) AND l."searchText" IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM "RequestLogSearch_docsize" d WHERE d."id" = l.rowid)`;
