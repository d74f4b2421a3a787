"use client";

import { useEffect, useId, useRef } from "react";
import { createPortal } from "react-dom";

/**
 * A modal on the native <dialog>: showModal() gives the focus trap, the inert page and the top
 * layer. Controlled by `open`; Escape and the close button call `onClose` (Escape is ignored while
 * `busy`). On open, focus goes to `[data-autofocus]`, else the first field, else the first button;
 * on close it returns to the element that opened the dialog.
 *
 * It exists in the DOM only while open, portalled to <body>: a list with a dialog per row carries no
 * hidden dialogs, nothing is inherited from the table cell it is declared in, and a form inside
 * starts empty every time (a typed secret does not linger in the DOM).
 */
export type DialogProps = {
  open: boolean;
  onClose: () => void;
  title: React.ReactNode;
  description?: React.ReactNode;
  busy?: boolean;
  size?: "md" | "lg";
  children: React.ReactNode;
};

const FIRST_FIELD = ".ui-dialog-body :is(input:not([type=hidden]), select, textarea):not([disabled])";
const FIRST_BUTTON = "button:not(.ui-dialog-close):not([disabled])";

export function Dialog(props: DialogProps) {
  if (!props.open || typeof document === "undefined") return null;
  return createPortal(<OpenDialog {...props} />, document.body);
}

function OpenDialog({ onClose, title, description, busy = false, size = "md", children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const unmounting = useRef(false);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    unmounting.current = false;
    const opener = document.activeElement;
    dialog.showModal();
    const target =
      dialog.querySelector<HTMLElement>("[data-autofocus]") ??
      dialog.querySelector<HTMLElement>(FIRST_FIELD) ??
      dialog.querySelector<HTMLElement>(FIRST_BUTTON);
    target?.focus();
    return () => {
      unmounting.current = true;
      if (dialog.open) dialog.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`ui-dialog ui-dialog-${size}`}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onCancel={(event) => {
        // Escape: closing is the parent's decision (its state stays the one source of truth).
        event.preventDefault();
        if (!busy) onClose();
      }}
      onClose={() => {
        // The browser closed it by itself (Chrome does on a repeated Escape): bring the state along.
        if (!unmounting.current) onClose();
      }}
    >
      <div className="ui-dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="btn btn-ghost btn-icon ui-dialog-close" aria-label="Close" onClick={onClose} disabled={busy}>
          <svg
            width="14"
            height="14"
            viewBox="0 0 24 24"
            aria-hidden="true"
            fill="none"
            stroke="currentColor"
            strokeWidth="2.4"
            strokeLinecap="round"
          >
            <path d="M6 6l12 12M18 6L6 18" />
          </svg>
        </button>
      </div>
      {description ? (
        <p id={descriptionId} className="ui-dialog-description">
          {description}
        </p>
      ) : null}
      {children}
    </dialog>
  );
}

/** The scrolling middle of a dialog (fields). */
export function DialogBody({ children }: { children: React.ReactNode }) {
  return <div className="ui-dialog-body">{children}</div>;
}

/** The dialog's buttons, the primary action last. */
export function DialogFooter({ children, aside }: { children: React.ReactNode; aside?: React.ReactNode }) {
  return (
    <div className="ui-dialog-footer">
      {aside ? <div className="ui-dialog-footer-aside">{aside}</div> : null}
      {children}
    </div>
  );
}
