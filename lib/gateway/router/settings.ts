/**
 * Settings inheritance from a parent node to a child (docs/GATEWAY.md §4): `retry` and `cache` are
 * replaced whole, `override_params` shallow-merge with the child winning, `request_timeout` and
 * `custom_host` are inherited when the child has none; `circuit_breaker` is inherited and replaced whole.
 */
import type { Target } from "../config/schema";
import type { NodeSettings } from "./types";
import { withChanges } from "../../object";

export function mergeSettings(parent: NodeSettings, child: NodeSettings): NodeSettings {
  const merged: NodeSettings = {};
  const retry = child.retry ?? parent.retry;
  const cache = child.cache ?? parent.cache;
  const requestTimeoutMs = child.requestTimeoutMs ?? parent.requestTimeoutMs;
  const customHost = child.customHost ?? parent.customHost;
  const circuitBreaker = child.circuitBreaker ?? parent.circuitBreaker;
  if (retry) merged.retry = retry;
  if (cache) merged.cache = cache;
  if (parent.overrideParams || child.overrideParams) {
    merged.overrideParams = withChanges(parent.overrideParams ?? {}, child.overrideParams ?? {});
  }
  if (requestTimeoutMs !== undefined) merged.requestTimeoutMs = requestTimeoutMs;
  if (customHost !== undefined) merged.customHost = customHost;
  if (circuitBreaker) merged.circuitBreaker = circuitBreaker;
  const onOriginFailure = child.onOriginFailure ?? parent.onOriginFailure;
  if (onOriginFailure) merged.onOriginFailure = onOriginFailure;
  if (parent.measured || child.measured) merged.measured = true;
  if (parent.timed || child.timed) merged.timed = true;
  return merged;
}

/** A config node's own settings (nothing inherited yet), in the router's camelCase. */
export function settingsFromTarget(target: Target): NodeSettings {
  const settings: NodeSettings = {};
  if (target.retry) {
    const { attempts, on_status_codes, use_retry_after_header } = target.retry;
    settings.retry = { attempts };
    if (on_status_codes) settings.retry.onStatusCodes = on_status_codes;
    if (use_retry_after_header !== undefined) settings.retry.useRetryAfterHeader = use_retry_after_header;
  }
  if (target.cache) {
    settings.cache = { mode: target.cache.mode };
    if (target.cache.max_age !== undefined) settings.cache.maxAgeSeconds = target.cache.max_age;
  }
  if (target.override_params) settings.overrideParams = target.override_params;
  if (target.request_timeout !== undefined) settings.requestTimeoutMs = target.request_timeout;
  if (target.custom_host !== undefined) settings.customHost = target.custom_host;
  if (target.circuit_breaker) {
    const { failure_threshold, cooldown_ms, failure_status_codes } = target.circuit_breaker;
    settings.circuitBreaker = { failureThreshold: failure_threshold, cooldownMs: cooldown_ms };
    if (failure_status_codes) settings.circuitBreaker.failureStatusCodes = failure_status_codes;
  }
  if (target.affinity) settings.onOriginFailure = target.affinity.on_origin_failure;
  return settings;
}
