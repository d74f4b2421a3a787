-- GET /v1/logs sorted by cost pages on (cost, id) with keyset cursors: logs without a cost are read
-- by id after the others, and equal costs (cache hits are logged at cost 0) are ordered by id. Both
-- need id in the index to stay index-ordered reads instead of sorting every such row.

-- CreateIndex
CREATE INDEX "RequestLog_workspaceId_cost_id_idx" ON "RequestLog"("workspaceId", "cost", "id");
