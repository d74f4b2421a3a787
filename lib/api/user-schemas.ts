/** Bodies of the member routes (`/v1/users`): a role change. */
import { ROLES } from "../auth/roles";
import { enumOf, strictObject } from "../gateway/config/messages";

export const roleSchema = enumOf(ROLES, (input) => `unknown role ${JSON.stringify(input)}; one of ${ROLES.join(", ")}`);

/** PATCH /v1/users/{id}. */
export const updateUserSchema = strictObject({ role: roleSchema }, "a JSON object {role}", (key) =>
  ["email", "name", "password"].includes(key) ? `a member's ${key} is theirs to change; only role can be changed here` : undefined,
);
