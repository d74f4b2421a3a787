-- Attribution and search in the log explorer (docs/GATEWAY.md §8): the `api_key` filter, full-text
-- search over the logged bodies (`q`) and trace-id prefixes (`trace_id=abc*`).
--
-- "searchText" holds the words of a log's request and response (message contents and output text,
-- not JSON keys; bounded), written by the log writer (lib/logs/search-text.ts) and, for logs written
-- before this migration, by `npm run logs:search-backfill`. A GIN index over its tsvector (the
-- 'simple' configuration: lower-cased words, no stemming, no stop words, the same in every language)
-- answers `q`. Null text has no entry.
--
-- "traceId" takes the "C" collation (byte order), so that a prefix is an exact range on the
-- (workspaceId, traceId, createdAt) index whatever the database's collation; equality is unchanged
-- (the collations of PostgreSQL are deterministic). The index is rebuilt once for it.
--
-- Every index is created on the partitioned parent: each day partition (and the DEFAULT and
-- "_legacy" ones) gets its own, and partitions created later (lib/store/log-partitions.ts) too. On
-- a large table this migration builds them under a lock that holds log writes back until done
-- (docs/PERFORMANCE.md).

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "searchText" TEXT;
ALTER TABLE "RequestLog" ALTER COLUMN "traceId" TYPE TEXT COLLATE "C";

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_apiKeyId_createdAt_idx" ON "RequestLog"("workspaceId", "apiKeyId", "createdAt");
CREATE INDEX "RequestLog_searchText_fts_idx" ON "RequestLog" USING GIN (to_tsvector('simple'::regconfig, "searchText"));
