-- The full-text index of the logs (0016_log_search) is written by the log writers themselves, no
-- longer by an insert trigger.
--
-- Why: a trigger makes SQLite give every INSERT into "RequestLog" a statement journal (the insert
-- then writes more than one table and may abort part-way), so each page the row touches (the table
-- and its thirteen indexes) was first copied aside: ~57 µs of CPU per log on the event loop, four
-- times what indexing its text costs. The writers now insert the index entry in the same
-- transaction as the log (lib/store/log-search-index.ts): the log sink by the new row's rowid,
-- Prisma's insertLogBatch for the rows it inserted.
--
-- The delete and update triggers stay (retention, a workspace's deletion and the search backfill are
-- background work), and now touch the index only for a row that is in it (its "docsize" entry
-- exists): a log written without an index entry can never make them corrupt the index.

DROP TRIGGER "RequestLog_search_insert";

DROP TRIGGER "RequestLog_search_delete";
CREATE TRIGGER "RequestLog_search_delete" AFTER DELETE ON "RequestLog"
WHEN old."searchText" IS NOT NULL AND EXISTS (SELECT 1 FROM "RequestLogSearch_docsize" WHERE "id" = old.rowid) BEGIN
  INSERT INTO "RequestLogSearch"("RequestLogSearch", rowid, "searchText") VALUES ('delete', old.rowid, old."searchText");
END;

DROP TRIGGER "RequestLog_search_update";
CREATE TRIGGER "RequestLog_search_update" AFTER UPDATE OF "searchText" ON "RequestLog" BEGIN
  INSERT INTO "RequestLogSearch"("RequestLogSearch", rowid, "searchText") SELECT 'delete', old.rowid, old."searchText"
    WHERE old."searchText" IS NOT NULL AND EXISTS (SELECT 1 FROM "RequestLogSearch_docsize" WHERE "id" = old.rowid);
  INSERT INTO "RequestLogSearch"(rowid, "searchText") SELECT new.rowid, new."searchText" WHERE new."searchText" IS NOT NULL;
END;
