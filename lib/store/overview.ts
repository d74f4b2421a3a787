import type { Db } from "../db";

export type WorkspaceOverview = {
  virtualKeys: number;
  configs: number;
  apiKeys: number;
  requests24h: number;
  fallbacks24h: number;
};

export async function getWorkspaceOverview(db: Db, workspaceId: string, now = new Date()): Promise<WorkspaceOverview> {
  const since = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const [virtualKeys, configs, apiKeys, requests24h, fallbacks24h] = await Promise.all([
    db.virtualKey.count({ where: { workspaceId, status: "active" } }),
    db.config.count({ where: { workspaceId, status: { not: "deleted" } } }),
    db.apiKey.count({ where: { workspaceId, revokedAt: null } }),
    db.requestLog.count({ where: { workspaceId, createdAt: { gte: since } } }),
    db.requestLog.count({ where: { workspaceId, createdAt: { gte: since }, fallbackUsed: true } }),
  ]);
  return { virtualKeys, configs, apiKeys, requests24h, fallbacks24h };
}
