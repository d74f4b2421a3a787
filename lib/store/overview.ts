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
  /** Whether the workspace has logged any request (kept by retention or not): the getting-started checklist's "send a request". */
  anyRequest: boolean;
};

export async function getWorkspaceOverview(db: Db, workspaceId: string, now = new Date()): Promise<WorkspaceOverview> {
  const since = hourOf(new Date(now.getTime() - 24 * 60 * 60 * 1000));
  const [virtualKeys, configs, apiKeys, recent, anyLog, anyRollup] = await Promise.all([
    db.virtualKey.count({ where: { workspaceId, status: "active" } }),
    db.config.count({ where: { workspaceId, status: { not: "deleted" } } }),
    db.apiKey.count({ where: { workspaceId, revokedAt: null } }),
    db.logRollup.aggregate({ where: { workspaceId, dimension: "", hour: { gte: since } }, _sum: { requests: true, fallbacks: true } }),
    // One index seek each: a log row, or (after retention removed the rows) a rollup of one.
    db.requestLog.findFirst({ where: { workspaceId }, select: { id: true } }),
    db.logRollup.findFirst({ where: { workspaceId }, select: { hour: true } }),
  ]);
  return {
    virtualKeys,
    configs,
    apiKeys,
    requests24h: recent._sum.requests ?? 0,
    fallbacks24h: recent._sum.fallbacks ?? 0,
    anyRequest: anyLog !== null || anyRollup !== null,
  };
}
