-- The shared response cache (docs/GATEWAY.md §5.5): a cache hit is logged with cost 0 and, in
-- "costSaved", what its answer would have cost had it gone upstream (its stored usage and model at
-- the prices of the time of the hit). Null for every other row, and for a hit whose price is unknown.
-- A nullable column without a default is a catalog change only: no partition is rewritten. Added on
-- the partitioned parent, it reaches every day partition (and the DEFAULT and "_legacy" ones).

-- The analytics rollups sum it ("saved by cache"): one more integer per rollup row, added in the
-- same upsert. Rollups written before this migration hold 0 there; `npm run rollups:rebuild`
-- recomputes them from the logs still kept (hits logged before it have no saved cost anyway).

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "costSaved" DOUBLE PRECISION;
ALTER TABLE "LogRollup" ADD COLUMN "savedNanoUsd" BIGINT NOT NULL DEFAULT 0;
