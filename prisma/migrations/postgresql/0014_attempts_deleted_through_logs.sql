-- Deleting a workspace removed its attempts through this foreign key's ON DELETE CASCADE, which
-- looks the workspace up in "RequestAttempt"."workspaceId": a column no index leads with, so every
-- workspace deletion read every attempt partition (3.6 s for an empty workspace beside 10M logs;
-- docs/PERFORMANCE.md). An index would cost every attempt written; instead the key goes, and
-- lib/store/workspaces.ts deleteWorkspace deletes the workspace's attempts through its logs (the
-- (logId, index, logCreatedAt) key, one day partition per log) in the transaction that deletes the
-- workspace. The logs and the metadata keep their keys: their indexes lead with "workspaceId".
ALTER TABLE "RequestAttempt" DROP CONSTRAINT "RequestAttempt_workspaceId_fkey";
