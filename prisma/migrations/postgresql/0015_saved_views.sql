-- The log explorer's saved views (per user and workspace) and per-user dashboard preferences (the
-- log columns shown and their widths), so both follow the user to any browser
-- (lib/store/log-views.ts, lib/store/user-preferences.ts).

-- CreateTable
CREATE TABLE "SavedLogView" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "hiddenColumns" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SavedLogView_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UserPreference" (
    "userId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UserPreference_pkey" PRIMARY KEY ("userId","key")
);

-- CreateIndex
CREATE INDEX "SavedLogView_userId_idx" ON "SavedLogView"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "SavedLogView_workspaceId_userId_nameKey_key" ON "SavedLogView"("workspaceId", "userId", "nameKey");

-- AddForeignKey
ALTER TABLE "SavedLogView" ADD CONSTRAINT "SavedLogView_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SavedLogView" ADD CONSTRAINT "SavedLogView_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserPreference" ADD CONSTRAINT "UserPreference_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
