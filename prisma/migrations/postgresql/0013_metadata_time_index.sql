-- A metadata filter's page is read from the metadata index in time order (lib/store/log-query.ts,
-- readByMetadata): the (workspaceId, key, value) index becomes (workspaceId, key, value,
-- logCreatedAt, logId), which lists a value's logs in the logs' own (createdAt, id) order. It
-- replaces the old index (which it serves as a prefix), so a write maintains one index as before.
--
-- On the partitioned table this builds the index on every partition under a lock that holds log
-- writes back until it is done (about a minute per 10M logs with three metadata keys each on this
-- project's benchmark machine; docs/PERFORMANCE.md). Partitions created later get it from the parent.
DROP INDEX "RequestLogMetadata_workspaceId_key_value_idx";
CREATE INDEX "RequestLogMetadata_workspaceId_key_value_logCreatedAt_logId_idx" ON "RequestLogMetadata"("workspaceId", "key", "value", "logCreatedAt", "logId");
