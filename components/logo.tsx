/** Detour's mark: a path that turns off the straight road. Decorative; the name sits beside it. */
export function Logo({ size = 20 }: { size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2.2"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d="M5 20v-7a4 4 0 0 1 4-4h10" />
      <path d="M15 5l4 4-4 4" />
    </svg>
  );
}
