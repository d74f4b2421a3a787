-- Spend control (docs/GATEWAY.md, budgets; docs/MANAGEMENT-API.md): budgets on workspaces, API
-- keys, virtual keys and configs; settled spend per subject and UTC day (written with the log
-- rows); the alerts sent (one per budget, period and threshold); workspace price overrides.

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "usageEstimated" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "Budget" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "limitUsd" DOUBLE PRECISION NOT NULL,
    "period" TEXT NOT NULL,
    "alertAtPct" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Budget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SpendDaily" (
    "scope" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "costUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SpendDaily_pkey" PRIMARY KEY ("scope", "subjectId", "day")
);

-- CreateTable
CREATE TABLE "BudgetAlert" (
    "budgetId" TEXT NOT NULL,
    "periodStart" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BudgetAlert_pkey" PRIMARY KEY ("budgetId", "periodStart", "threshold")
);

-- CreateTable
CREATE TABLE "PriceOverride" (
    "workspaceId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "input" DOUBLE PRECISION NOT NULL,
    "output" DOUBLE PRECISION,
    "cachedInput" DOUBLE PRECISION,
    "cacheWrite" DOUBLE PRECISION,
    "reasoning" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PriceOverride_pkey" PRIMARY KEY ("workspaceId", "provider", "model")
);

-- CreateIndex
CREATE INDEX "Budget_workspaceId_idx" ON "Budget"("workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "Budget_scope_subjectId_key" ON "Budget"("scope", "subjectId");

-- CreateIndex
CREATE INDEX "SpendDaily_workspaceId_day_idx" ON "SpendDaily"("workspaceId", "day");

-- AddForeignKey
ALTER TABLE "Budget" ADD CONSTRAINT "Budget_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SpendDaily" ADD CONSTRAINT "SpendDaily_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PriceOverride" ADD CONSTRAINT "PriceOverride_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
