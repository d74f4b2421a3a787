-- Providers (docs/GATEWAY.md §1, §9): prompt-cache token counts on each request log (Anthropic
-- reports reads and writes, OpenAI reads), and an API key's default config, for clients that can
-- only set a base URL and a key (the log records that the config came from the key).

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN "defaultConfigSlug" TEXT;

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "configFromKey" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "RequestLog" ADD COLUMN "cacheReadTokens" INTEGER;
ALTER TABLE "RequestLog" ADD COLUMN "cacheWriteTokens" INTEGER;
