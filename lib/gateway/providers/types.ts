/**
 * Provider adapters (GATEWAY.md §1): data and pure functions that turn a request body and
 * plain credentials into the upstream request, and an upstream error into OpenAI's error shape.
 * No HTTP and no framework here: the caller sends the request and streams the answer.
 */
import type { Provider } from "../config/schema";

export type ProviderId = Provider;

export const ENDPOINTS = ["chat/completions", "completions", "embeddings"] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** One Azure deployment reachable through a virtual key (mirrors `VirtualKeyDeployment`). */
export type AzureDeployment = {
  deploymentName: string;
  /** The model name a request asks for (e.g. "gpt-4o"); null/empty = none (see azure-openai/deployments.ts). */
  alias?: string | null;
  apiVersion?: string | null;
  isDefault: boolean;
};

/** What an adapter needs to reach the provider: resolved from a virtual key, a target or direct-mode headers. */
export type ProviderCredentials = {
  provider: ProviderId;
  /** Decrypted provider key: in memory only, never logged. */
  apiKey: string;
  /** Replaces https://api.openai.com/v1 (openai) or https://{resource}.openai.azure.com/openai (azure). */
  customHost?: string;
  /** Azure: the resource in https://{resourceName}.openai.azure.com. */
  resourceName?: string;
  /** Azure: the key's api-version, for deployments without their own. */
  apiVersion?: string;
  /** Azure: deployments of a virtual key, chosen by the body's `model`. */
  deployments?: AzureDeployment[];
  /** Azure: a fixed deployment (target-level `deployment_id`, direct mode); wins over `deployments`. */
  deploymentId?: string;
  /** OpenAI: sent as `OpenAI-Organization`. */
  organization?: string;
  /** OpenAI: sent as `OpenAI-Project`. */
  project?: string;
};

/** The upstream call, ready for fetch / undici. Header names are lower-case. */
export type UpstreamRequest = {
  url: string;
  method: "POST" | "GET";
  headers: Record<string, string>;
  /** JSON text of the body. */
  body?: string;
  /** Azure: the deployment chosen (for the log). */
  deployment?: string;
  /** Azure: the api-version sent. */
  apiVersion?: string;
};

/**
 * A request Detour refuses before calling the provider (a gateway error: the caller answers with
 * this status, the OpenAI-shaped body and `x-portkey-gateway-exception: true`).
 */
export type GatewayErrorLike = {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string;
};

export type BuildResult = UpstreamRequest | { error: GatewayErrorLike };

/** OpenAI's error body, the one shape every `/v1/*` error has. */
export type OpenAiErrorBody = {
  error: { message: string; type: string | null; param: string | null; code: string | null };
};

export type NormalizedError = { status: number; body: OpenAiErrorBody };

export interface ProviderAdapter {
  id: ProviderId;
  /** Builds the upstream request, or refuses it with a gateway error (never throws). */
  buildRequest(endpoint: Endpoint, body: Record<string, unknown>, creds: ProviderCredentials): BuildResult;
  /** Maps an upstream error answer (any body text, even empty or HTML) to OpenAI's shape; the status is kept. */
  normalizeError(status: number, bodyText: string): NormalizedError;
  /**
   * The base URL used when there is no `custom_host` (OpenAI: https://api.openai.com/v1; Azure: the
   * resource's own https://{resource}.openai.azure.com/openai), or undefined when these credentials
   * name none (an Azure target without a valid resource name).
   */
  defaultBaseUrl(creds: ProviderCredentials): string | undefined;
  /** Models reachable with these credentials; an empty list means "not known / any model". */
  listModels?(creds: ProviderCredentials): string[];
}

export function isBuildError(result: BuildResult): result is { error: GatewayErrorLike } {
  return "error" in result;
}
