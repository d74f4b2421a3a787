-- CreateTable
CREATE TABLE "AppMeta" (
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AppMeta_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "passwordHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastLoginAt" TIMESTAMP(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Workspace" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Workspace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkspaceMember" (
    "workspaceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'admin',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkspaceMember_pkey" PRIMARY KEY ("workspaceId", "userId")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'user',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "rpmLimit" INTEGER,
    "tpmLimit" INTEGER,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VirtualKey" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "note" TEXT,
    "resourceName" TEXT,
    "apiVersion" TEXT,
    "customHost" TEXT,
    "currentVersion" INTEGER NOT NULL DEFAULT 1,
    "rpmLimit" INTEGER,
    "tpmLimit" INTEGER,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "lastUsedAt" TIMESTAMP(3),
    "rotatedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "revokedById" TEXT,

    CONSTRAINT "VirtualKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VirtualKeySecret" (
    "id" TEXT NOT NULL,
    "virtualKeyId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retiredAt" TIMESTAMP(3),
    "retiredById" TEXT,

    CONSTRAINT "VirtualKeySecret_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VirtualKeyDeployment" (
    "id" TEXT NOT NULL,
    "virtualKeyId" TEXT NOT NULL,
    "deploymentName" TEXT NOT NULL,
    "alias" TEXT,
    "apiVersion" TEXT,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "VirtualKeyDeployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Config" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "currentVersion" INTEGER NOT NULL DEFAULT 1,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "Config_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigVersion" (
    "id" TEXT NOT NULL,
    "configId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "author" TEXT,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RequestLog" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "traceId" TEXT NOT NULL,
    "metadata" TEXT,
    "apiKeyId" TEXT,
    "configSlug" TEXT,
    "configVersion" INTEGER,
    "method" TEXT NOT NULL DEFAULT 'POST',
    "path" TEXT NOT NULL,
    "modelRequested" TEXT,
    "stream" BOOLEAN NOT NULL DEFAULT false,
    "status" INTEGER NOT NULL,
    "errorType" TEXT,
    "provider" TEXT,
    "model" TEXT,
    "virtualKeySlug" TEXT,
    "virtualKeyVersion" INTEGER,
    "promptTokens" INTEGER,
    "completionTokens" INTEGER,
    "totalTokens" INTEGER,
    "cost" DOUBLE PRECISION,
    "latencyMs" INTEGER NOT NULL,
    "overheadMs" DOUBLE PRECISION NOT NULL,
    "retryCount" INTEGER NOT NULL DEFAULT 0,
    "cacheStatus" TEXT NOT NULL DEFAULT 'DISABLED',
    "fallbackUsed" BOOLEAN NOT NULL DEFAULT false,
    "requestBody" TEXT,
    "requestBodyTruncated" BOOLEAN NOT NULL DEFAULT false,
    "responseBody" TEXT,
    "responseBodyTruncated" BOOLEAN NOT NULL DEFAULT false,
    "requestHeaders" TEXT,
    "responseHeaders" TEXT,

    CONSTRAINT "RequestLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RequestAttempt" (
    "id" TEXT NOT NULL,
    "logId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "targetPath" TEXT NOT NULL,
    "provider" TEXT,
    "virtualKeySlug" TEXT,
    "virtualKeyVersion" INTEGER,
    "model" TEXT,
    "status" INTEGER,
    "errorClass" TEXT,
    "errorMessage" TEXT,
    "latencyMs" INTEGER NOT NULL DEFAULT 0,
    "retry" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RequestAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RequestLogMetadata" (
    "logId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "RequestLogMetadata_pkey" PRIMARY KEY ("logId", "key")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Workspace_slug_key" ON "Workspace"("slug");

-- CreateIndex
CREATE INDEX "WorkspaceMember_userId_idx" ON "WorkspaceMember"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");

-- CreateIndex
CREATE INDEX "ApiKey_workspaceId_createdAt_idx" ON "ApiKey"("workspaceId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "VirtualKey_slug_key" ON "VirtualKey"("slug");

-- CreateIndex
CREATE INDEX "VirtualKey_workspaceId_createdAt_idx" ON "VirtualKey"("workspaceId", "createdAt");

-- CreateIndex
CREATE INDEX "VirtualKey_workspaceId_name_idx" ON "VirtualKey"("workspaceId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "VirtualKeySecret_virtualKeyId_version_key" ON "VirtualKeySecret"("virtualKeyId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "VirtualKeyDeployment_virtualKeyId_deploymentName_key" ON "VirtualKeyDeployment"("virtualKeyId", "deploymentName");

-- CreateIndex
CREATE INDEX "VirtualKeyDeployment_virtualKeyId_position_idx" ON "VirtualKeyDeployment"("virtualKeyId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "Config_slug_key" ON "Config"("slug");

-- CreateIndex
CREATE INDEX "Config_workspaceId_updatedAt_idx" ON "Config"("workspaceId", "updatedAt");

-- CreateIndex
CREATE INDEX "Config_workspaceId_name_idx" ON "Config"("workspaceId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigVersion_configId_version_key" ON "ConfigVersion"("configId", "version");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_createdAt_idx" ON "RequestLog"("workspaceId", "createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_traceId_createdAt_idx" ON "RequestLog"("workspaceId", "traceId", "createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_status_createdAt_idx" ON "RequestLog"("workspaceId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_fallbackUsed_createdAt_idx" ON "RequestLog"("workspaceId", "fallbackUsed", "createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_cost_idx" ON "RequestLog"("workspaceId", "cost");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_latencyMs_idx" ON "RequestLog"("workspaceId", "latencyMs");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_configSlug_createdAt_idx" ON "RequestLog"("workspaceId", "configSlug", "createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_virtualKeySlug_createdAt_idx" ON "RequestLog"("workspaceId", "virtualKeySlug", "createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_provider_createdAt_idx" ON "RequestLog"("workspaceId", "provider", "createdAt");

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_model_createdAt_idx" ON "RequestLog"("workspaceId", "model", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "RequestAttempt_logId_index_key" ON "RequestAttempt"("logId", "index");

-- CreateIndex
CREATE INDEX "RequestLogMetadata_workspaceId_key_value_idx" ON "RequestLogMetadata"("workspaceId", "key", "value");

-- AddForeignKey
ALTER TABLE "WorkspaceMember" ADD CONSTRAINT "WorkspaceMember_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkspaceMember" ADD CONSTRAINT "WorkspaceMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VirtualKey" ADD CONSTRAINT "VirtualKey_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VirtualKeySecret" ADD CONSTRAINT "VirtualKeySecret_virtualKeyId_fkey" FOREIGN KEY ("virtualKeyId") REFERENCES "VirtualKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VirtualKeyDeployment" ADD CONSTRAINT "VirtualKeyDeployment_virtualKeyId_fkey" FOREIGN KEY ("virtualKeyId") REFERENCES "VirtualKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Config" ADD CONSTRAINT "Config_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigVersion" ADD CONSTRAINT "ConfigVersion_configId_fkey" FOREIGN KEY ("configId") REFERENCES "Config"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RequestLog" ADD CONSTRAINT "RequestLog_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RequestAttempt" ADD CONSTRAINT "RequestAttempt_logId_fkey" FOREIGN KEY ("logId") REFERENCES "RequestLog"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RequestLogMetadata" ADD CONSTRAINT "RequestLogMetadata_logId_fkey" FOREIGN KEY ("logId") REFERENCES "RequestLog"("id") ON DELETE CASCADE ON UPDATE CASCADE;

