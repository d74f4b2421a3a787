-- The log explorer's saved views (per user and workspace) and per-user dashboard preferences (the
-- log columns shown and their widths), so both follow the user to any browser
-- (lib/store/log-views.ts, lib/store/user-preferences.ts). SQLite has no 0014 (that migration is
-- PostgreSQL's alone); the runner applies files in name order and needs no contiguous numbers.

-- CreateTable
CREATE TABLE "SavedLogView" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "hiddenColumns" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "SavedLogView_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "SavedLogView_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "UserPreference" (
    "userId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("userId", "key"),
    CONSTRAINT "UserPreference_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "SavedLogView_userId_idx" ON "SavedLogView"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "SavedLogView_workspaceId_userId_nameKey_key" ON "SavedLogView"("workspaceId", "userId", "nameKey");
