import { PROVIDER_KEY_MAX, VIRTUAL_KEY_NAME_MAX, VIRTUAL_KEY_NOTE_MAX } from "@/lib/api/virtual-key-schemas";
import type { VirtualKeyLimits } from "./create-virtual-key";

/** The API's limits, read on the server and handed to the forms (so the client bundle does not carry the schemas). */
export const VIRTUAL_KEY_LIMITS: VirtualKeyLimits = {
  name: VIRTUAL_KEY_NAME_MAX,
  note: VIRTUAL_KEY_NOTE_MAX,
  key: PROVIDER_KEY_MAX,
};
