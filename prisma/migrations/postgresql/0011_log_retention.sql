-- Log retention (docs/GATEWAY.md, "Log retention"): a workspace's own retention, and the request
-- logs partitioned by day so that retention drops whole partitions instead of deleting rows.
--
-- RequestLog is partitioned by "createdAt"; its attempts and metadata rows carry their log's time
-- ("logCreatedAt") and are partitioned by it, so a day's log, attempts and metadata sit in three
-- partitions of the same day and go together. A unique key on a partitioned table must contain the
-- partition key, hence the primary keys (id, createdAt) and the like. The foreign keys from attempts
-- and metadata to their log go (a key referencing a partitioned table must name its partition key,
-- and would make every dropped day check the other tables); each table references its workspace
-- instead, so deleting a workspace still removes all three.
--
-- The daily partitions themselves are created ahead of time by Detour (lib/store/log-partitions.ts).
-- Each table has a DEFAULT partition, so no row is ever refused while a day's partition is missing.
-- An existing table with rows is not copied: it becomes one partition of its new parent, covering
-- everything up to the end of the day of its newest row ("<table>_legacy"); retention deletes its
-- old rows in batches and drops it once all of it is older than the retention.

-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN "logRetentionDays" INTEGER;

-- The log's workspace and time on its attempts and metadata rows.
ALTER TABLE "RequestAttempt" ADD COLUMN "workspaceId" TEXT;
ALTER TABLE "RequestAttempt" ADD COLUMN "logCreatedAt" TIMESTAMP(3);
UPDATE "RequestAttempt" a SET "workspaceId" = l."workspaceId", "logCreatedAt" = l."createdAt" FROM "RequestLog" l WHERE l."id" = a."logId";
ALTER TABLE "RequestAttempt" ALTER COLUMN "workspaceId" SET NOT NULL, ALTER COLUMN "logCreatedAt" SET NOT NULL;

ALTER TABLE "RequestLogMetadata" ADD COLUMN "logCreatedAt" TIMESTAMP(3);
UPDATE "RequestLogMetadata" m SET "logCreatedAt" = l."createdAt" FROM "RequestLog" l WHERE l."id" = m."logId";
ALTER TABLE "RequestLogMetadata" ALTER COLUMN "logCreatedAt" SET NOT NULL;

-- The old tables lose the keys the partitioned ones replace, then take the "_legacy" names.
ALTER TABLE "RequestAttempt" DROP CONSTRAINT "RequestAttempt_logId_fkey";
ALTER TABLE "RequestLogMetadata" DROP CONSTRAINT "RequestLogMetadata_logId_fkey";
ALTER TABLE "RequestLog" DROP CONSTRAINT "RequestLog_pkey";
ALTER TABLE "RequestAttempt" DROP CONSTRAINT "RequestAttempt_pkey";
ALTER TABLE "RequestLogMetadata" DROP CONSTRAINT "RequestLogMetadata_pkey";
DROP INDEX "RequestAttempt_logId_index_key";
ALTER TABLE "RequestLog" RENAME TO "RequestLog_legacy";
ALTER TABLE "RequestAttempt" RENAME TO "RequestAttempt_legacy";
ALTER TABLE "RequestLogMetadata" RENAME TO "RequestLogMetadata_legacy";
-- (Its workspace key merges into the parent's when attached.)
ALTER TABLE "RequestLog_legacy" RENAME CONSTRAINT "RequestLog_workspaceId_fkey" TO "RequestLog_legacy_workspaceId_fkey";
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
           WHERE t.relname IN ('RequestLog_legacy', 'RequestAttempt_legacy', 'RequestLogMetadata_legacy') LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', r.relname, r.relname || '_legacy');
  END LOOP;
END $$;

-- CreateTable: the partitioned parents, same columns and defaults.
CREATE TABLE "RequestLog" (LIKE "RequestLog_legacy" INCLUDING DEFAULTS) PARTITION BY RANGE ("createdAt");
ALTER TABLE "RequestLog" ADD CONSTRAINT "RequestLog_pkey" PRIMARY KEY ("id", "createdAt");
CREATE INDEX "RequestLog_workspaceId_createdAt_idx" ON "RequestLog"("workspaceId", "createdAt");
CREATE INDEX "RequestLog_workspaceId_traceId_createdAt_idx" ON "RequestLog"("workspaceId", "traceId", "createdAt");
CREATE INDEX "RequestLog_workspaceId_status_createdAt_idx" ON "RequestLog"("workspaceId", "status", "createdAt");
CREATE INDEX "RequestLog_workspaceId_fallbackUsed_createdAt_idx" ON "RequestLog"("workspaceId", "fallbackUsed", "createdAt");
CREATE INDEX "RequestLog_workspaceId_cost_id_idx" ON "RequestLog"("workspaceId", "cost", "id");
CREATE INDEX "RequestLog_workspaceId_latencyMs_idx" ON "RequestLog"("workspaceId", "latencyMs");
CREATE INDEX "RequestLog_workspaceId_configSlug_createdAt_idx" ON "RequestLog"("workspaceId", "configSlug", "createdAt");
CREATE INDEX "RequestLog_workspaceId_virtualKeySlug_createdAt_idx" ON "RequestLog"("workspaceId", "virtualKeySlug", "createdAt");
CREATE INDEX "RequestLog_workspaceId_provider_createdAt_idx" ON "RequestLog"("workspaceId", "provider", "createdAt");
CREATE INDEX "RequestLog_workspaceId_model_createdAt_idx" ON "RequestLog"("workspaceId", "model", "createdAt");
CREATE INDEX "RequestLog_workspaceId_path_createdAt_idx" ON "RequestLog"("workspaceId", "path", "createdAt");
CREATE INDEX "RequestLog_workspaceId_responseId_idx" ON "RequestLog"("workspaceId", "responseId");
ALTER TABLE "RequestLog" ADD CONSTRAINT "RequestLog_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE TABLE "RequestLog_default" PARTITION OF "RequestLog" DEFAULT;

CREATE TABLE "RequestAttempt" (LIKE "RequestAttempt_legacy" INCLUDING DEFAULTS) PARTITION BY RANGE ("logCreatedAt");
ALTER TABLE "RequestAttempt" ADD CONSTRAINT "RequestAttempt_pkey" PRIMARY KEY ("id", "logCreatedAt");
CREATE UNIQUE INDEX "RequestAttempt_logId_index_key" ON "RequestAttempt"("logId", "index", "logCreatedAt");
ALTER TABLE "RequestAttempt" ADD CONSTRAINT "RequestAttempt_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE TABLE "RequestAttempt_default" PARTITION OF "RequestAttempt" DEFAULT;

CREATE TABLE "RequestLogMetadata" (LIKE "RequestLogMetadata_legacy" INCLUDING DEFAULTS) PARTITION BY RANGE ("logCreatedAt");
ALTER TABLE "RequestLogMetadata" ADD CONSTRAINT "RequestLogMetadata_pkey" PRIMARY KEY ("logId", "key", "logCreatedAt");
CREATE INDEX "RequestLogMetadata_workspaceId_key_value_idx" ON "RequestLogMetadata"("workspaceId", "key", "value");
ALTER TABLE "RequestLogMetadata" ADD CONSTRAINT "RequestLogMetadata_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE TABLE "RequestLogMetadata_default" PARTITION OF "RequestLogMetadata" DEFAULT;

-- The old rows: attached as one partition up to the end of their newest day, or dropped when there are none.
DO $$
DECLARE
  bound timestamp;
BEGIN
  IF EXISTS (SELECT 1 FROM "RequestLog_legacy") OR EXISTS (SELECT 1 FROM "RequestAttempt_legacy") OR EXISTS (SELECT 1 FROM "RequestLogMetadata_legacy") THEN
    bound := date_trunc('day', GREATEST(
      (SELECT max("createdAt") FROM "RequestLog_legacy"),
      (SELECT max("logCreatedAt") FROM "RequestAttempt_legacy"),
      (SELECT max("logCreatedAt") FROM "RequestLogMetadata_legacy"),
      now() AT TIME ZONE 'UTC'
    )) + interval '1 day';
    EXECUTE format('ALTER TABLE "RequestLog" ATTACH PARTITION "RequestLog_legacy" FOR VALUES FROM (MINVALUE) TO (%L)', bound);
    EXECUTE format('ALTER TABLE "RequestAttempt" ATTACH PARTITION "RequestAttempt_legacy" FOR VALUES FROM (MINVALUE) TO (%L)', bound);
    EXECUTE format('ALTER TABLE "RequestLogMetadata" ATTACH PARTITION "RequestLogMetadata_legacy" FOR VALUES FROM (MINVALUE) TO (%L)', bound);
  ELSE
    DROP TABLE "RequestLog_legacy", "RequestAttempt_legacy", "RequestLogMetadata_legacy";
  END IF;
END $$;
