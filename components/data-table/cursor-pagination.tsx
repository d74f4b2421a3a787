"use client";

/**
 * Next / Previous / First page for keyset pages, as plain links the server computed (see
 * cursor-stack.ts): they open in a new tab, sit in the tab order, and the back button undoes them.
 * A link with nowhere to go is rendered disabled (`aria-disabled`), not hidden, so the bar keeps its shape.
 */
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useTransition } from "react";

export type CursorPaginationProps = {
  /** What is counted, e.g. "requests". */
  noun: string;
  rowCount: number;
  pageNumber: number | null;
  firstHref: string | null;
  previousHref: string | null;
  nextHref: string | null;
  pageSize: number;
  /** One link per offered size (changing the size starts again from the first page). */
  pageSizeHrefs: Record<number, string>;
};

export function CursorPagination({
  noun,
  rowCount,
  pageNumber,
  firstHref,
  previousHref,
  nextHref,
  pageSize,
  pageSizeHrefs,
}: CursorPaginationProps) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const sizeId = useId();
  const sizes = Object.keys(pageSizeHrefs)
    .map(Number)
    .sort((a, b) => a - b);
  if (!sizes.includes(pageSize)) sizes.push(pageSize);
  return (
    <nav className="dt-pagination" aria-label="Pagination">
      <span className="muted" aria-live="polite">
        {pageNumber !== null ? `Page ${pageNumber} · ` : ""}
        {rowCount.toLocaleString("en-US")} {noun} on this page{nextHref ? ", more after" : ""}
        {pending ? " · loading…" : ""}
      </span>
      <span className="dt-pagination-controls">
        <label htmlFor={sizeId}>Rows per page</label>
        <select
          id={sizeId}
          value={pageSize}
          onChange={(e) => {
            const href = pageSizeHrefs[Number(e.target.value)];
            if (href) startTransition(() => router.push(href));
          }}
        >
          {sizes.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <PageLink href={firstHref} label="First page" />
        <PageLink href={previousHref} label="Previous" rel="prev" />
        <PageLink href={nextHref} label="Next" rel="next" />
      </span>
    </nav>
  );
}

function PageLink({ href, label, rel }: { href: string | null; label: string; rel?: string }) {
  if (!href) {
    // A disabled link (ARIA's pattern: role link, aria-disabled, no href): announced as a link
    // that cannot be followed, and out of the tab order since there is nothing to activate.
    return (
      // biome-ignore lint/a11y/useSemanticElements: an <a> without href is not a link; with one it could be followed
      // biome-ignore lint/a11y/useFocusableInteractive: disabled, so not focusable (nothing to activate)
      <span className="btn btn-sm" aria-disabled="true" role="link">
        {label}
      </span>
    );
  }
  return (
    <Link className="btn btn-sm" href={href} rel={rel}>
      {label}
    </Link>
  );
}
