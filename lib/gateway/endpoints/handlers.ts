/** The /v1 inference route handlers (route files re-export these). */
import { handleInference } from "../request/handle-inference";
import { handleModels } from "./models";

export const handleChatCompletions = (request: Request) => handleInference(request, "chat/completions");
export const handleCompletions = (request: Request) => handleInference(request, "completions");
export const handleEmbeddings = (request: Request) => handleInference(request, "embeddings");
export const handleMessages = (request: Request) => handleInference(request, "messages");
export const handleCountTokens = (request: Request) => handleInference(request, "messages/count_tokens");
export const handleListModels = (request: Request) => handleModels(request);
