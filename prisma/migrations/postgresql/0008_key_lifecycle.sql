-- Key lifecycle (docs/GATEWAY.md §2, docs/MANAGEMENT-API.md): an expiry and a model allow-list on
-- API keys and virtual keys, and an API key's rotation with a grace period (the old key points to
-- the new one and works until its expiresAt).

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN "expiresAt" TIMESTAMP(3);
ALTER TABLE "ApiKey" ADD COLUMN "allowedModels" TEXT;
ALTER TABLE "ApiKey" ADD COLUMN "rotatedToId" TEXT;

-- AlterTable
ALTER TABLE "VirtualKey" ADD COLUMN "expiresAt" TIMESTAMP(3);
ALTER TABLE "VirtualKey" ADD COLUMN "allowedModels" TEXT;
