-- The Responses API (docs/GATEWAY.md): reasoning tokens and the response id on each request log
-- (with the indexes for the log API's `endpoint` and `response_id` filters), and where each
-- response or conversation lives (ResponseAffinity), so follow-ups go to the target that created it.

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "reasoningTokens" INTEGER;
ALTER TABLE "RequestLog" ADD COLUMN "responseId" TEXT;

-- CreateTable
CREATE TABLE "ResponseAffinity" (
    "workspaceId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "virtualKeyId" TEXT,
    "virtualKeySlug" TEXT,
    "virtualKeyVersion" INTEGER,
    "deployment" TEXT,
    "upstream" TEXT NOT NULL,
    "credential" TEXT,
    "configSlug" TEXT,
    "targetPath" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ResponseAffinity_pkey" PRIMARY KEY ("workspaceId", "id")
);

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_path_createdAt_idx" ON "RequestLog"("workspaceId", "path", "createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_responseId_idx" ON "RequestLog"("workspaceId", "responseId");

-- CreateIndex
CREATE INDEX "ResponseAffinity_createdAt_idx" ON "ResponseAffinity"("createdAt");

-- AddForeignKey
ALTER TABLE "ResponseAffinity" ADD CONSTRAINT "ResponseAffinity_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
