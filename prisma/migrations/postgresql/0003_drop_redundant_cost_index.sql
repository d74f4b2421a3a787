-- RequestLog(workspaceId, cost) is a prefix of RequestLog(workspaceId, cost, id) (0002): every query
-- it could serve, the longer index serves as well. Dropping it saves one index write per log row.

-- DropIndex
DROP INDEX IF EXISTS "RequestLog_workspaceId_cost_idx";
