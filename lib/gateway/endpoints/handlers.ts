/** The /v1 inference route handlers (route files re-export these). */
import { handleInference, handleResponseCall } from "../request/handle-inference";
import { handleModels } from "./models";

export const handleChatCompletions = (request: Request) => handleInference(request, "chat/completions");
export const handleCompletions = (request: Request) => handleInference(request, "completions");
export const handleEmbeddings = (request: Request) => handleInference(request, "embeddings");
export const handleMessages = (request: Request) => handleInference(request, "messages");
export const handleCountTokens = (request: Request) => handleInference(request, "messages/count_tokens");
export const handleResponses = (request: Request) => handleInference(request, "responses");
export const handleResponsesInputTokens = (request: Request) => handleInference(request, "responses/input_tokens");
/** GET and DELETE /v1/responses/{id}, POST .../cancel, GET .../input_items: the endpoint and id come from the URL. */
export const handleResponseById = (request: Request) => handleResponseCall(request);
export const handleListModels = (request: Request) => handleModels(request);
