"use client";

import { useEffect, useRef, useState } from "react";

const INVALID = "input[aria-invalid='true'], select[aria-invalid='true'], textarea[aria-invalid='true']";

/**
 * After a refused submit, once the errors are on screen, the first field with one takes the focus
 * (keyboard and screen-reader users land on the problem). Call `refused()` when a submit fails.
 */
export function useFocusFirstInvalid<T extends HTMLElement = HTMLFormElement>() {
  const ref = useRef<T>(null);
  const [count, setCount] = useState(0);
  useEffect(() => {
    if (count) ref.current?.querySelector<HTMLElement>(INVALID)?.focus();
  }, [count]);
  return { ref, refused: () => setCount((n) => n + 1) };
}
