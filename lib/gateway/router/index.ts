/** The router's public surface: route a request over a resolved target tree (docs/GATEWAY.md §5). */
export { route, fallbackReason } from "./route-request";
export { buildRouteTree, hasMeasuredLeaf, mapRouteLeaves, listRouteLeaves, ROOT_PATH, type LeafTarget } from "./tree";
export { mergeSettings, settingsFromTarget } from "./settings";
export { matchesQuery, chooseConditionalTarget, type ConditionContext } from "./conditions";
export { pickWeighted } from "./weighted";
export {
  DEFAULT_RETRY_STATUS_CODES,
  MAX_TOTAL_RETRY_WAIT_MS,
  backoffDelayMs,
  isRetryTrigger,
  retryAfterMs,
  retryDelayMs,
} from "./retry-policy";
export { RouteError, NoMatchingConditionError, RouteAbortedError, InvalidRouteTreeError, AttemptBudgetError } from "./errors";
export type * from "./types";
