// The Responses API's server-side state, per account (the provider and key that made it): stored
// responses, conversations, prompt-cache keys. reset() empties it.
import type { Json, ResponseStatus, StreamEvent } from "./responses-format";

/** What a follow-up (`previous_response_id`, `conversation`) carries over from earlier turns. */
export interface TurnContext {
  /** Turns so far (a follow-up is turn `turns + 1`). */
  turns: number;
  /** Input and output characters of those turns (counted as the follow-up's input). */
  chars: number;
  lastUserText: string;
}

export interface StoredResponse {
  id: string;
  /** The response object as GET shows it now. */
  response: Json;
  /** Background: the state it reaches when done (GET advances queued -> in_progress -> this). */
  final?: Json;
  inputItems: Json[];
  /** The context a follow-up with `previous_response_id` = this id starts from. */
  context: TurnContext;
  /** Background streams: every event, for `GET ?stream=true&starting_after=N`. */
  events?: StreamEvent[];
}

interface Conversation extends TurnContext {
  account: string;
}

const account = (provider: string, key: string): string => `${provider}\n${key}`;

export class ResponsesStore {
  private responses = new Map<string, Map<string, StoredResponse>>();
  /** Conversation id -> its owner and turns (ids are global: one account owns each). */
  private conversations = new Map<string, Conversation>();
  /** Account -> prompt_cache_key -> input tokens of the last request that sent it. */
  private cacheKeys = new Map<string, Map<string, number>>();

  get(provider: string, key: string, id: string): StoredResponse | undefined {
    return this.responses.get(account(provider, key))?.get(id);
  }

  put(provider: string, key: string, stored: StoredResponse): void {
    const name = account(provider, key);
    const own = this.responses.get(name) ?? new Map<string, StoredResponse>();
    this.responses.set(name, own);
    own.set(stored.id, stored);
  }

  delete(provider: string, key: string, id: string): void {
    this.responses.get(account(provider, key))?.delete(id);
  }

  /**
   * The conversation `id` as this account sees it: a new one on first use (the real API needs
   * POST /v1/conversations first), undefined when another account owns it. Nothing is stored
   * here: the first answered turn makes the account its owner (`addTurn`), so a request a fault
   * refused claims nothing.
   */
  conversation(provider: string, key: string, id: string): TurnContext | undefined {
    const name = account(provider, key);
    const c = this.conversations.get(id);
    if (!c) return { turns: 0, chars: 0, lastUserText: "" };
    return c.account === name ? c : undefined;
  }

  /** Records a finished turn of a conversation; the first one makes this account its owner. */
  addTurn(provider: string, key: string, id: string, turn: TurnContext): void {
    const c = this.conversations.get(id) ?? { account: account(provider, key), turns: 0, chars: 0, lastUserText: "" };
    Object.assign(c, turn);
    this.conversations.set(id, c);
  }

  /**
   * `cached_tokens` for a request with `prompt_cache_key`: the input tokens of this account's last
   * request with that key (at most `inputTokens`), 0 the first time. Remembers this request's count.
   */
  cachedTokens(provider: string, key: string, cacheKey: string, inputTokens: number): number {
    const name = account(provider, key);
    const own = this.cacheKeys.get(name) ?? new Map<string, number>();
    this.cacheKeys.set(name, own);
    const seen = own.get(cacheKey);
    own.set(cacheKey, inputTokens);
    return Math.min(seen ?? 0, inputTokens);
  }

  clear(): void {
    this.responses.clear();
    this.conversations.clear();
    this.cacheKeys.clear();
  }
}

/** Background lifecycle: each GET moves a response one step, queued -> in_progress -> its final state. */
export function advance(stored: StoredResponse): void {
  const status = stored.response.status as ResponseStatus;
  if (status === "queued") stored.response = { ...stored.response, status: "in_progress" };
  else if (status === "in_progress" && stored.final) finish(stored);
}

/** A background response reaches its final state (its stream was delivered, or a GET found it in progress). */
export function finish(stored: StoredResponse): void {
  if (!stored.final) return;
  const status = stored.response.status as ResponseStatus;
  if (status === "queued" || status === "in_progress") stored.response = stored.final;
  stored.final = undefined;
}
