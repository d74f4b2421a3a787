-- Log retention (docs/GATEWAY.md, "Log retention"): a workspace's own retention, and the log's
-- workspace and time on its attempts and metadata rows (PostgreSQL partitions those by the log's
-- day; SQLite keeps one table each and deletes old rows in batches, its foreign keys cascading).

-- AlterTable
ALTER TABLE "Workspace" ADD COLUMN "logRetentionDays" INTEGER;

-- AlterTable: every attempt and metadata row belongs to a log, so the backfill leaves no default behind.
ALTER TABLE "RequestAttempt" ADD COLUMN "workspaceId" TEXT NOT NULL DEFAULT '';
ALTER TABLE "RequestAttempt" ADD COLUMN "logCreatedAt" DATETIME NOT NULL DEFAULT '1970-01-01T00:00:00.000+00:00';
UPDATE "RequestAttempt" SET ("workspaceId", "logCreatedAt") = (
    SELECT l."workspaceId", l."createdAt" FROM "RequestLog" l WHERE l."id" = "RequestAttempt"."logId"
);

ALTER TABLE "RequestLogMetadata" ADD COLUMN "logCreatedAt" DATETIME NOT NULL DEFAULT '1970-01-01T00:00:00.000+00:00';
UPDATE "RequestLogMetadata" SET "logCreatedAt" = (
    SELECT l."createdAt" FROM "RequestLog" l WHERE l."id" = "RequestLogMetadata"."logId"
);
