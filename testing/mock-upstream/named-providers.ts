// The OpenAI-compatible providers Detour names (lib/gateway/providers/*/info.ts), each under a
// prefix: `/<id>` + its default base path (`/groq/openai/v1/chat/completions`,
// `/google/v1beta/openai/chat/completions`, `/perplexity-ai/chat/completions`). They answer in
// OpenAI's format (formats.ts) with a Bearer key; what differs is which paths each serves, its
// headers, and the shape of its error bodies.
import { randomUUID } from "node:crypto";
import type { OutgoingHttpHeaders } from "node:http";
import type { ApiPath } from "./types";

/** How a provider shapes its error bodies (docs/GATEWAY.md §1 lists the real ones). */
type ErrorShape = "openai" | "ollama" | "mistral" | "google" | "openrouter" | "xai" | "perplexity";

interface NamedSpec {
  /** The default base URL's path (`https://api.groq.com/openai/v1` -> `/openai/v1`). */
  basePath: string;
  /** The paths it serves below the base. */
  paths: readonly ApiPath[];
  errors: ErrorShape;
}

const CHAT_ONLY: readonly ApiPath[] = ["chat/completions", "models"];
const ALL: readonly ApiPath[] = ["chat/completions", "completions", "embeddings", "models"];

export const NAMED_PROVIDERS = {
  groq: { basePath: "/openai/v1", paths: CHAT_ONLY, errors: "openai" },
  "mistral-ai": { basePath: "/v1", paths: ["chat/completions", "embeddings", "models"], errors: "mistral" },
  "together-ai": { basePath: "/v1", paths: ALL, errors: "openai" },
  "fireworks-ai": { basePath: "/inference/v1", paths: ALL, errors: "openai" },
  deepseek: { basePath: "", paths: CHAT_ONLY, errors: "openai" },
  "x-ai": { basePath: "/v1", paths: ALL, errors: "xai" },
  "perplexity-ai": { basePath: "", paths: ["chat/completions"], errors: "perplexity" },
  openrouter: { basePath: "/api/v1", paths: ALL, errors: "openrouter" },
  ollama: { basePath: "/v1", paths: ALL, errors: "ollama" },
  google: { basePath: "/v1beta/openai", paths: ["chat/completions", "embeddings", "models"], errors: "google" },
  "openai-compatible": { basePath: "/v1", paths: ALL, errors: "openai" },
} as const satisfies Record<string, NamedSpec>;

export type NamedProvider = keyof typeof NAMED_PROVIDERS;
export const NAMED_PROVIDER_IDS = Object.keys(NAMED_PROVIDERS) as NamedProvider[];

export function isNamedProvider(provider: string): provider is NamedProvider {
  return Object.hasOwn(NAMED_PROVIDERS, provider);
}

const API_PATHS: readonly ApiPath[] = ["chat/completions", "completions", "embeddings", "models"];

/**
 * `/<id><basePath>/<path>` -> the provider and path; `{ provider }` alone for a path under a known
 * prefix that it does not serve (answered 404 in its shape); undefined for anything else.
 */
export function matchNamedRoute(method: string, pathname: string): { provider: NamedProvider; path?: ApiPath } | undefined {
  const id = pathname.split("/")[1] ?? "";
  if (!isNamedProvider(id)) return undefined;
  const spec: NamedSpec = NAMED_PROVIDERS[id];
  const prefix = `/${id}${spec.basePath}/`;
  const rest = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : "";
  const path = API_PATHS.find((p) => p === rest);
  if (!path || !spec.paths.includes(path) || method !== (path === "models" ? "GET" : "POST")) return { provider: id };
  return { provider: id, path };
}

/** Headers like the provider's (a request id); no OpenAI organisation or version headers. */
export function namedHeaders(contentType: string): OutgoingHttpHeaders {
  return { "content-type": contentType, "x-request-id": `req_${randomUUID().replaceAll("-", "")}` };
}

// gRPC canonical names and descriptions, which Google's `status` and xAI's `code` carry.
const CANONICAL: Record<number, [name: string, description: string]> = {
  400: ["INVALID_ARGUMENT", "Client specified an invalid argument"],
  401: ["UNAUTHENTICATED", "The request does not have valid authentication credentials"],
  403: ["PERMISSION_DENIED", "The caller does not have permission to execute the specified operation"],
  404: ["NOT_FOUND", "Some requested entity was not found"],
  429: ["RESOURCE_EXHAUSTED", "Some resource has been exhausted"],
  500: ["INTERNAL", "Internal error"],
  503: ["UNAVAILABLE", "The service is currently unavailable"],
  504: ["DEADLINE_EXCEEDED", "Deadline expired before operation could complete"],
};

const OPENAI_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ["invalid_request_error", null],
  401: ["invalid_request_error", "invalid_api_key"],
  403: ["permission_error", null],
  404: ["invalid_request_error", "model_not_found"],
  429: ["rate_limit_error", "rate_limit_exceeded"],
};

function statusMessage(status: number, model: string): string {
  switch (status) {
    case 400:
      return "Invalid request.";
    case 401:
      return "Invalid API Key";
    case 403:
      return "Forbidden";
    case 404:
      return `The model \`${model}\` does not exist or you do not have access to it.`;
    case 429:
      return `Rate limit reached for model \`${model}\`. Please try again in 1s.`;
    case 500:
      return "Internal server error";
    case 503:
      return "Service unavailable";
    default:
      return `Mock upstream error (HTTP ${status}).`;
  }
}

/** The error body `provider` answers `status` with (the `status` fault, and bad keys). */
export function namedErrorBody(
  provider: NamedProvider,
  status: number,
  model = "mock-model",
  message = statusMessage(status, model),
): string {
  const [name, description] = CANONICAL[status] ?? (status >= 500 ? CANONICAL[500]! : CANONICAL[400]!);
  switch (NAMED_PROVIDERS[provider].errors) {
    case "openai": {
      const [type, code] = OPENAI_TYPES[status] ?? [status >= 500 ? "server_error" : "invalid_request_error", null];
      return JSON.stringify({ error: { message, type, param: null, code } });
    }
    case "ollama": {
      // Ollama's openai.NewError: three types, param and code always null.
      const type = status === 400 ? "invalid_request_error" : status === 404 ? "not_found_error" : "api_error";
      return JSON.stringify({ error: { message, type, param: null, code: null } });
    }
    case "mistral": {
      if (status === 401) return JSON.stringify({ message: "Unauthorized", request_id: randomUUID().replaceAll("-", "") });
      const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
      return JSON.stringify({ object: "error", message, type, param: null, code: null });
    }
    case "google":
      return JSON.stringify([{ error: { code: status, message, status: name } }]);
    case "openrouter": {
      const error: Record<string, unknown> = { code: status, message };
      if (status === 502) Object.assign(error, { message: "Provider returned error", metadata: { provider_name: "Mock", raw: message } });
      return JSON.stringify({ error });
    }
    case "xai":
      return JSON.stringify({ code: description, error: message });
    case "perplexity": {
      if (status === 401) return PERPLEXITY_401;
      const type = status === 400 ? "invalid_model" : status === 429 ? "rate_limit_exceeded" : "server_error";
      return JSON.stringify({ error: { message, type, code: status } });
    }
  }
}

// Perplexity's front server refuses a bad key before the API does, with an HTML page.
const PERPLEXITY_401 =
  "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n<center><h1>401 Authorization Required</h1></center>\r\n" +
  "<hr><center>openresty/1.25.3.1</center>\r\n</body>\r\n</html>\r\n";

/** The answer to a missing or bad key: its status and the provider's body. */
export function namedAuthError(provider: NamedProvider, key: string | undefined): { status: number; body: string } {
  switch (NAMED_PROVIDERS[provider].errors) {
    case "google":
      return key === undefined
        ? {
            status: 403,
            body: namedErrorBody(
              provider,
              403,
              undefined,
              "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
            ),
          }
        : { status: 400, body: namedErrorBody(provider, 400, undefined, "API key not valid. Please pass a valid API key.") };
    case "xai": {
      const message =
        key === undefined
          ? "No API key provided. You can obtain an API key from https://console.x.ai."
          : `Incorrect API key provided: ${key.slice(0, 2)}***${key.slice(-2)}. You can obtain an API key from https://console.x.ai.`;
      return { status: 400, body: namedErrorBody(provider, 400, undefined, message) };
    }
    case "openrouter":
      return {
        status: 401,
        body: namedErrorBody(provider, 401, undefined, key === undefined ? "No auth credentials found" : "User not found."),
      };
    default:
      return { status: 401, body: namedErrorBody(provider, 401) };
  }
}

/** 404 for a path below a provider's prefix that it does not serve. */
export function namedNotFound(provider: NamedProvider, method: string, pathname: string): string {
  return namedErrorBody(provider, 404, undefined, `Unknown request URL: ${method} ${pathname}.`);
}

/** Together's `GET /v1/models`: a bare array of model objects. */
export const TOGETHER_MODELS_JSON = JSON.stringify(
  [
    ["meta-llama/Llama-3.3-70B-Instruct-Turbo", 1733443200, "chat", "Meta"],
    ["Qwen/Qwen2.5-72B-Instruct-Turbo", 1726790400, "chat", "Qwen"],
    ["BAAI/bge-large-en-v1.5", 1699574400, "embedding", "BAAI"],
  ].map(([id, created, type, organization]) => ({ id, object: "model", created, type, display_name: id, organization })),
);
