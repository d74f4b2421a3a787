-- Attribution and search in the log explorer (docs/GATEWAY.md §8): the `api_key` filter, full-text
-- search over the logged bodies (`q`) and trace-id prefixes (`trace_id=abc*`).
--
-- "searchText" holds the words of a log's request and response (message contents and output text,
-- not JSON keys; bounded), written by the log writer (lib/logs/search-text.ts). The FTS5 table
-- "RequestLogSearch" indexes it as an external-content table over "RequestLog" (it stores no copy of
-- the text), kept in step by the triggers below: a log inserted, deleted (the retention's batches,
-- a workspace's deletion) or given a text by the backfill (`npm run logs:search-backfill`) updates
-- the index in the same statement. A trace-id prefix is a range on the (workspaceId, traceId,
-- createdAt) index (BINARY collation: byte order), so it needs no index of its own here.

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "searchText" TEXT;

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_apiKeyId_createdAt_idx" ON "RequestLog"("workspaceId", "apiKeyId", "createdAt");

-- Full-text index
CREATE VIRTUAL TABLE "RequestLogSearch" USING fts5("searchText", content='RequestLog', tokenize='unicode61 remove_diacritics 2');

CREATE TRIGGER "RequestLog_search_insert" AFTER INSERT ON "RequestLog" WHEN new."searchText" IS NOT NULL BEGIN
  INSERT INTO "RequestLogSearch"(rowid, "searchText") VALUES (new.rowid, new."searchText");
END;

CREATE TRIGGER "RequestLog_search_delete" AFTER DELETE ON "RequestLog" WHEN old."searchText" IS NOT NULL BEGIN
  INSERT INTO "RequestLogSearch"("RequestLogSearch", rowid, "searchText") VALUES ('delete', old.rowid, old."searchText");
END;

CREATE TRIGGER "RequestLog_search_update" AFTER UPDATE OF "searchText" ON "RequestLog" BEGIN
  INSERT INTO "RequestLogSearch"("RequestLogSearch", rowid, "searchText") SELECT 'delete', old.rowid, old."searchText" WHERE old."searchText" IS NOT NULL;
  INSERT INTO "RequestLogSearch"(rowid, "searchText") SELECT new.rowid, new."searchText" WHERE new."searchText" IS NOT NULL;
END;
