-- Spend control (docs/GATEWAY.md, budgets; docs/MANAGEMENT-API.md): budgets on workspaces, API
-- keys, virtual keys and configs; settled spend per subject and UTC day (written with the log
-- rows); the alerts sent (one per budget, period and threshold); workspace price overrides.

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "usageEstimated" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "Budget" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "limitUsd" REAL NOT NULL,
    "period" TEXT NOT NULL,
    "alertAtPct" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Budget_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SpendDaily" (
    "scope" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "costUsd" REAL NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("scope", "subjectId", "day"),
    CONSTRAINT "SpendDaily_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "BudgetAlert" (
    "budgetId" TEXT NOT NULL,
    "periodStart" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("budgetId", "periodStart", "threshold")
);

-- CreateTable
CREATE TABLE "PriceOverride" (
    "workspaceId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "input" REAL NOT NULL,
    "output" REAL,
    "cachedInput" REAL,
    "cacheWrite" REAL,
    "reasoning" REAL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("workspaceId", "provider", "model"),
    CONSTRAINT "PriceOverride_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Budget_workspaceId_idx" ON "Budget"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "Budget_scope_subjectId_key" ON "Budget"("scope", "subjectId");

-- CreateIndex
CREATE INDEX "SpendDaily_workspaceId_day_idx" ON "SpendDaily"("workspaceId", "day");
