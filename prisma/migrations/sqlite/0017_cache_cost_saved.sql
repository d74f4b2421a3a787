-- The shared response cache (docs/GATEWAY.md §5.5): a cache hit is logged with cost 0 and, in
-- "costSaved", what its answer would have cost had it gone upstream (its stored usage and model at
-- the prices of the time of the hit). Null for every other row, and for a hit whose price is unknown.
-- A nullable column without a default: adding it rewrites nothing.

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "costSaved" REAL;
