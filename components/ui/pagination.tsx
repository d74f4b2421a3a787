import Link from "next/link";

/**
 * Server-side paging: "101–200 of 2,345" with previous/next links (the URL is the state, so the
 * browser's back button and a shared link land on the same page). Renders nothing for one page.
 */
export function Pagination({
  page,
  pageSize,
  total,
  hrefFor,
  label = "Pages",
}: {
  page: number;
  pageSize: number;
  total: number;
  hrefFor: (page: number) => string;
  label?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <nav className="ui-pagination" aria-label={label}>
      <span className="muted">
        {first.toLocaleString("en-US")}–{last.toLocaleString("en-US")} of {total.toLocaleString("en-US")}
      </span>
      {page > 1 ? (
        <Link className="btn btn-sm" href={hrefFor(page - 1)} rel="prev">
          Previous
        </Link>
      ) : (
        <span className="btn btn-sm" aria-disabled="true">
          Previous
        </span>
      )}
      {page < pages ? (
        <Link className="btn btn-sm" href={hrefFor(page + 1)} rel="next">
          Next
        </Link>
      ) : (
        <span className="btn btn-sm" aria-disabled="true">
          Next
        </span>
      )}
    </nav>
  );
}
