/**
 * The Overview page's counts. Requests and fallbacks of the last 24 hours come from the analytics
 * rollups (LogRollup, dimension "all"): at most 25 rows however many logs, where counting raw rows
 * grew with the traffic. Whole hours: the hour 24 hours ago is counted from its start.
 */
import type { Db } from "../db";
import { hourOf } from "../logs/rollup";

export type WorkspaceOverview = {
  virtualKeys: number;
  configs: number;
  apiKeys: number;
  requests24h: number;
  fallbacks24h: number;
};

export async function getWorkspaceOverview(db: Db, workspaceId: string, now = new Date()): Promise<WorkspaceOverview> {
  const since = hourOf(new Date(now.getTime() - 24 * 60 * 60 * 1000));
  const [virtualKeys, configs, apiKeys, recent] = await Promise.all([
    db.virtualKey.count({ where: { workspaceId, status: "active" } }),
    db.config.count({ where: { workspaceId, status: { not: "deleted" } } }),
    db.apiKey.count({ where: { workspaceId, revokedAt: null } }),
    db.logRollup.aggregate({ where: { workspaceId, dimension: "", hour: { gte: since } }, _sum: { requests: true, fallbacks: true } }),
  ]);
  return { virtualKeys, configs, apiKeys, requests24h: recent._sum.requests ?? 0, fallbacks24h: recent._sum.fallbacks ?? 0 };
}
