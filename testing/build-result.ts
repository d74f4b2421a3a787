/** The two ends of a provider adapter's `buildRequest` in tests: the request it built, or the 400 it refused with. */
import { type BuildResult, isBuildError, type UpstreamRequest } from "../lib/gateway/providers/types";

/** The upstream request; throws (failing the test) with the refusal's message when it refused. */
export function built(result: BuildResult): UpstreamRequest {
  if (isBuildError(result)) throw new Error(`expected a request, got ${result.error.message}`);
  return result;
}

/** The refusal; throws (failing the test) with the URL when it built a request instead. */
export function refused(result: BuildResult) {
  if (!isBuildError(result)) throw new Error(`expected an error, got ${result.url}`);
  return result.error;
}
