"use client";

import { useSyncExternalStore } from "react";

/**
 * Short confirmations after an action ("Rotated …"). `notify()` may be called from any client
 * component; `<ToastRegion />` (one per page) shows them in a polite live region that is always in
 * the DOM, so screen readers announce each new message.
 */
export type ToastTone = "ok" | "danger" | "info";
type Toast = { id: number; message: string; tone: ToastTone };

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const EMPTY: Toast[] = [];
const SHOW_MS = 8000;

function emit() {
  for (const listener of listeners) listener();
}

export function notify(message: string, tone: ToastTone = "ok"): void {
  const id = nextId++;
  toasts = [...toasts.slice(-3), { id, message, tone }];
  emit();
  setTimeout(() => dismiss(id), SHOW_MS);
}

function dismiss(id: number): void {
  if (!toasts.some((t) => t.id === id)) return;
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function ToastRegion() {
  const list = useSyncExternalStore(
    subscribe,
    () => toasts,
    () => EMPTY,
  );
  return (
    <div className="ui-toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} className={`ui-toast ui-toast-${t.tone}`}>
          <span>{t.message}</span>
          <button type="button" className="btn btn-ghost btn-icon" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            <svg
              width="12"
              height="12"
              viewBox="0 0 24 24"
              aria-hidden="true"
              fill="none"
              stroke="currentColor"
              strokeWidth="2.6"
              strokeLinecap="round"
            >
              <path d="M6 6l12 12M18 6L6 18" />
            </svg>
          </button>
        </div>
      ))}
    </div>
  );
}
