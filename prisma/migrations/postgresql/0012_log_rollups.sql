-- Analytics rollups (issue 17): one row per (workspace, dimension, UTC hour, key) with the hour's
-- counts, exact costs in nano-USD, token sums and a log-scale latency histogram (JSON counts).
-- Maintained by the log writer in the transaction that writes the log rows (lib/store/log-sink.ts,
-- lib/store/rollups.ts); the analytics page and GET /v1/analytics read only these rows.
--
-- Why per-dimension rows rather than one row per full combination of provider x model x path x
-- API key x virtual key x config x status class: the combinations multiply. At the seeder's
-- cardinalities (7 models, 6 virtual keys, 6 configs, 3 status classes) an hour has ~750
-- combinations, and with ~25 histogram bins each the rollups would hold more rows than the raw
-- logs: reading 30 days would not be faster than today. Per dimension an hour has ~35 rows (the
-- sum of the cardinalities, not their product), which is what every split of the page needs (the
-- page splits by one dimension at a time, unfiltered). The histogram lives in the row (a dense
-- JSON array of counts) and both databases add two arrays in the upsert itself, so maintenance is
-- one INSERT ... ON CONFLICT DO UPDATE per touched row, no read-modify-write.
--
-- Absent dimensions are stored as '' (never NULL: NULLs in a key never conflict on PostgreSQL).
--
-- After this migration the table is empty: run `npm run rollups:rebuild` once to compute the
-- rollups of the logs already stored (scripts/rollups-rebuild.ts).

-- CreateTable
CREATE TABLE "LogRollup" (
    "workspaceId" TEXT NOT NULL,
    "dimension" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "key" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "rescued" INTEGER NOT NULL DEFAULT 0,
    "fallbacks" INTEGER NOT NULL DEFAULT 0,
    "unpriced" INTEGER NOT NULL DEFAULT 0,
    "costNanoUsd" BIGINT NOT NULL DEFAULT 0,
    "promptTokens" BIGINT NOT NULL DEFAULT 0,
    "completionTokens" BIGINT NOT NULL DEFAULT 0,
    "totalTokens" BIGINT NOT NULL DEFAULT 0,
    "latency" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "LogRollup_pkey" PRIMARY KEY ("workspaceId", "dimension", "hour", "key")
);

-- CreateIndex
CREATE INDEX "LogRollup_hour_idx" ON "LogRollup"("hour");

-- AddForeignKey
ALTER TABLE "LogRollup" ADD CONSTRAINT "LogRollup_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
