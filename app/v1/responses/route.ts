import { handleResponses } from "@/lib/gateway/endpoints/handlers";

export const dynamic = "force-dynamic";
export const POST = handleResponses;
