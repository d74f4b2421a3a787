-- Full-text search of the logs (`q`, lib/store/log-query.ts) reads a stored tsvector instead of
-- computing one per row. 0016_log_search indexed the expression to_tsvector('simple', "searchText"),
-- and every row read outside that index had it computed again: within one day the planner often
-- walks the (workspaceId, createdAt) index in time order and checks each row's text (12-16 µs a
-- row; a page of a word in 1 log in 40 checked ~2,400 rows: 28-37 ms of execution at 1M logs).
-- "searchVector" holds that tsvector, generated from "searchText" by PostgreSQL on every insert and
-- update (the writers still set "searchText" alone: the log sink, Prisma's insertLogBatch, the
-- search backfill, the scrub); a GIN index over it replaces the expression's, and a row checked
-- outside the index costs a comparison with its stored vector (the same page: 2-5 ms).
--
-- Null text, null vector: a log without text matches no search, as before. The column is not in
-- prisma/schema.prisma, which both clients are generated from: SQLite searches its FTS5 table, and
-- Prisma names the columns it reads and writes, so a column it does not know is left alone.
--
-- What it costs: adding a stored generated column rewrites every partition of "RequestLog" (the
-- day partitions, DEFAULT and "_legacy") and rebuilds their indexes, then the GIN index is built on
-- each and the column's statistics gathered (the rewrite leaves the new column without any, and a
-- day no longer written would keep none, so the planner could not tell a rare word from a common
-- one). All of it in the migration's transaction, under a lock that holds log writes and explorer
-- reads back until it commits: 57 s at 1M logs over 40 partitions on this project's benchmark
-- machine (2 shared cores, load average ~3; the rewrite 44 s, the GIN index 8 s, the statistics
-- 2.5 s), so about ten minutes at 10M. The old index goes first, so the rewrite does not rebuild
-- it. The vectors take room beside the text (at 1M seeded logs: 283 MB of vectors for 143 MB of
-- text; the table grew from 952 to 1,290 MB) and the new GIN index 95 MB (docs/PERFORMANCE.md).
--
-- A partitioned table's generated column must be generated on every partition: the day partitions
-- created later (lib/store/log-partitions.ts) inherit it, and one filled with strays from the
-- DEFAULT partition before it is attached is created LIKE the parent INCLUDING GENERATED, its
-- rows inserted without that column.

DROP INDEX "RequestLog_searchText_fts_idx";

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "searchVector" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "searchText")) STORED;

-- CreateIndex
CREATE INDEX "RequestLog_searchVector_idx" ON "RequestLog" USING GIN ("searchVector");

ANALYZE "RequestLog" ("searchVector");
