import { handleChatCompletions } from "@/lib/gateway/routes";

export const dynamic = "force-dynamic";
export const POST = handleChatCompletions;
