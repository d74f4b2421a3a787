import { handleResponseById } from "@/lib/gateway/endpoints/handlers";

export const dynamic = "force-dynamic";
export const GET = handleResponseById;
export const DELETE = handleResponseById;
