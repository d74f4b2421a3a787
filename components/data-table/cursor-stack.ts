/**
 * Keyset ("cursor") pages have no page numbers, so "Previous" needs to know where the earlier pages
 * began. The URL keeps that as a stack: `prev` lists the cursors of the pages before this one,
 * oldest first, `~` standing for the first page (which has no cursor). Next pushes the current
 * cursor, Previous pops it, so both are plain links: shareable, and the back button works too.
 * Framework-free: the server page computes the links with it.
 */

/** The URL parameter holding the stack; the page removes it before parsing its own query. */
export const CURSOR_STACK_PARAM = "prev";
const FIRST_PAGE = "~";
const SEPARATOR = ".";
/** Deeper than this, the oldest entries are dropped (Previous then stops there; First page still works). */
export const MAX_CURSOR_STACK = 40;

/** The stack from its URL value (`undefined`: none; anything but cursor characters is ignored). */
export function parseCursorStack(raw: string | undefined): (string | null)[] {
  if (!raw) return [];
  return raw
    .split(SEPARATOR)
    .filter((item) => item === FIRST_PAGE || /^[A-Za-z0-9_-]{1,1024}$/.test(item))
    .map((item) => (item === FIRST_PAGE ? null : item));
}

export function formatCursorStack(stack: readonly (string | null)[]): string | null {
  if (stack.length === 0) return null;
  return stack.map((c) => c ?? FIRST_PAGE).join(SEPARATOR);
}

/** Where the next and previous pages are: the cursor to ask with and the stack to carry. */
export function cursorLinks(stack: readonly (string | null)[], current: string | null, next: string | null) {
  const pushed = [...stack, current].slice(-MAX_CURSOR_STACK);
  return {
    next: next ? { cursor: next, stack: pushed } : null,
    previous: stack.length > 0 ? { cursor: stack[stack.length - 1] ?? null, stack: stack.slice(0, -1) } : null,
    /** 1-based, when the stack reaches back to the first page. */
    pageNumber: stack.length === 0 ? (current ? null : 1) : stack[0] === null ? stack.length + 1 : null,
  };
}
