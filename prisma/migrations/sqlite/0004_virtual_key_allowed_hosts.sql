-- VirtualKey.allowedHosts: origins an admin allows the key's secret to be sent to, besides the
-- provider's default host and the key's own customHost (a JSON array of strings; [] = none).

-- AlterTable
ALTER TABLE "VirtualKey" ADD COLUMN "allowedHosts" TEXT NOT NULL DEFAULT '[]';
