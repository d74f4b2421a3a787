// Error bodies and retry headers shaped like OpenAI's, Azure OpenAI's and Anthropic's.
import type { OutgoingHttpHeaders } from "node:http";
import { isNamedProvider, namedErrorBody } from "./named-providers";
import { anthropicRetryHeaders, anthropicStatusBody } from "./anthropic-format";
import type { ApiPath, Provider } from "./types";

export function openAiError(message: string, type: string, code: string | null = null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

export function azureError(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

export const OPENAI_MISSING_KEY = openAiError(
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
    "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API " +
    "from your browser and are prompted for a username and password. You can obtain an API key from " +
    "https://platform.openai.com/account/api-keys.",
  "invalid_request_error",
);

export function openAiInvalidKey(key: string): string {
  const masked = key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}` : key;
  return openAiError(
    `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    "invalid_request_error",
    "invalid_api_key",
  );
}

export const OPENAI_BAD_JSON = openAiError(
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library " +
    "correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble " +
    "figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  "invalid_request_error",
);

export const AZURE_ACCESS_DENIED = azureError(
  "401",
  "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an " +
    "active subscription and use a correct regional API endpoint for your resource.",
);
export const AZURE_NOT_FOUND = azureError("404", "Resource not found");
export const AZURE_DEPLOYMENT_NOT_FOUND = azureError(
  "DeploymentNotFound",
  "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, " +
    "please wait a moment and try again.",
);

export function openAiInvalidUrl(method: string, path: string): string {
  return openAiError(`Invalid URL (${method} ${path})`, "invalid_request_error");
}

export interface StatusContext {
  provider: Provider;
  path: ApiPath;
  key?: string;
  model?: string;
  apiVersion?: string;
  retryAfterSeconds?: number;
  retryAfterMs?: number;
  /** Anthropic: the `request-id` header the body's `request_id` repeats. */
  requestId?: string;
}

function retryText(ctx: StatusContext): string {
  if (ctx.retryAfterMs !== undefined) return `${ctx.retryAfterMs}ms`;
  return `${ctx.retryAfterSeconds ?? 1}s`;
}

function openAiStatusBody(status: number, ctx: StatusContext): string {
  const model = ctx.model ?? "gpt-4o";
  switch (status) {
    case 400:
      return openAiError("Invalid request.", "invalid_request_error");
    case 401:
      return openAiInvalidKey(ctx.key ?? "sk-unknown");
    case 403:
      return openAiError("Country, region, or territory not supported", "request_forbidden", "unsupported_country_region_territory");
    case 404:
      return openAiError(
        `The model \`${model}\` does not exist or you do not have access to it.`,
        "invalid_request_error",
        "model_not_found",
      );
    case 429:
      return openAiError(
        `Rate limit reached for ${model} in organization org-mockupstream on requests per min (RPM): Limit 500, ` +
          `Used 500, Requested 1. Please try again in ${retryText(ctx)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        "requests",
        "rate_limit_exceeded",
      );
    case 500:
      return openAiError("The server had an error while processing your request. Sorry about that!", "server_error");
    case 502:
      return openAiError("Bad gateway.", "server_error");
    case 503:
      return openAiError("The server is overloaded or not ready yet.", "server_error");
    case 504:
      return openAiError("Gateway timeout.", "server_error");
    default:
      return openAiError(`Mock upstream error (HTTP ${status}).`, status >= 500 ? "server_error" : "invalid_request_error");
  }
}

const AZURE_OPERATIONS: Partial<Record<ApiPath, string>> = {
  "chat/completions": "ChatCompletions_Create",
  completions: "Completions_Create",
  embeddings: "Embeddings_Create",
  models: "Models_List",
  responses: "Responses_Create",
  "responses/{id}": "Responses_Get",
  "responses/{id}/cancel": "Responses_Cancel",
  "responses/{id}/input_items": "Responses_ListInputItems",
  "responses/input_tokens": "Responses_InputTokens",
};

function azureStatusBody(status: number, ctx: StatusContext): string {
  const code = String(status);
  switch (status) {
    case 401:
      return AZURE_ACCESS_DENIED;
    case 403:
      return azureError(code, "Access denied due to Virtual Network/Firewall rules.");
    case 404:
      return AZURE_NOT_FOUND;
    case 429: {
      const secs = ctx.retryAfterSeconds ?? Math.max(1, Math.ceil((ctx.retryAfterMs ?? 1000) / 1000));
      return azureError(
        code,
        `Requests to the ${AZURE_OPERATIONS[ctx.path]} Operation under Azure OpenAI API version ${ctx.apiVersion ?? "2024-10-21"} ` +
          `have exceeded call rate limit of your current OpenAI S0 pricing tier. Please retry after ${secs} second${secs === 1 ? "" : "s"}. ` +
          "Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.",
      );
    }
    case 500:
      return azureError(code, "The server had an error while processing your request. Sorry about that!");
    case 503:
      return azureError(code, "The service is temporarily unable to process your request. Please try again later.");
    case 504:
      return azureError(code, "The operation was timeout.");
    default:
      return azureError(code, `Mock upstream error (HTTP ${status}).`);
  }
}

export function statusErrorBody(status: number, ctx: StatusContext): string {
  if (ctx.provider === "anthropic") return anthropicStatusBody(status, ctx.model, ctx.requestId);
  if (isNamedProvider(ctx.provider)) return namedErrorBody(ctx.provider, status, ctx.model);
  return ctx.provider === "azure" ? azureStatusBody(status, ctx) : openAiStatusBody(status, ctx);
}

/** retry-after / retry-after-ms (OpenAI and Azure), plus x-ms-retry-after-ms on Azure; Anthropic: retry-after only. */
export function retryHeaders(provider: Provider, seconds?: number, ms?: number): OutgoingHttpHeaders {
  if (provider === "anthropic") return anthropicRetryHeaders(seconds, ms);
  const h: OutgoingHttpHeaders = {};
  if (seconds !== undefined) h["retry-after"] = String(seconds);
  if (ms !== undefined) {
    h["retry-after-ms"] = String(ms);
    if (provider === "azure") h["x-ms-retry-after-ms"] = String(ms);
  }
  return h;
}
