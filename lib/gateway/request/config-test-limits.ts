/**
 * The bounds of a config test (config-test.ts, `POST /v1/configs/test`), browser-safe: the API's
 * body schema and the builder's form read them too.
 */

/** The whole test, every attempt and retry included. */
export const CONFIG_TEST_TIMEOUT_MS = 30_000;
export const CONFIG_TEST_DEFAULT_PROMPT = "Reply with the single word: ok";
export const CONFIG_TEST_MAX_PROMPT = 2_000;
export const CONFIG_TEST_DEFAULT_MAX_TOKENS = 16;
export const CONFIG_TEST_MAX_TOKENS = 256;
export const CONFIG_TEST_MAX_MODEL = 200;
/** The metadata key every test's log row carries (its value: where the test came from). */
export const CONFIG_TEST_METADATA_KEY = "detour_test";
