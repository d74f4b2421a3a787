/** A list page's URL state (`?status=active|revoked&page=2`), parsed leniently: a bad value means the default. */
export type StatusFilter = "active" | "revoked" | undefined;

export type ListQuery = { status: StatusFilter; page: number };

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function parseListQuery(search: Record<string, string | string[] | undefined>): ListQuery {
  const status = one(search.status);
  const page = Number.parseInt(one(search.page) ?? "1", 10);
  return {
    status: status === "active" || status === "revoked" ? status : undefined,
    page: Number.isFinite(page) && page >= 1 && page <= 1_000_000 ? page : 1,
  };
}

export function listHref(base: string, query: { status: StatusFilter; page?: number }): string {
  const params = new URLSearchParams();
  if (query.status) params.set("status", query.status);
  if (query.page && query.page > 1) params.set("page", String(query.page));
  const qs = params.toString();
  return qs ? `${base}?${qs}` : base;
}

/** API keys a page of /api-keys (the log detail links to a key's page and row, `#api-key-<id>`). */
export const API_KEYS_PAGE_SIZE = 100;
