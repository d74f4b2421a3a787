"use client";

/** Anything the log pages did not expect (the database unreachable, say): said plainly, with a retry. */
export default function LogsError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="alert-error" role="alert">
      <p>
        <strong>The logs could not be loaded.</strong> {error.digest ? <span className="mono">(error {error.digest})</span> : null}
      </p>
      <p>The server&apos;s log has the details. The query in the URL was kept.</p>
      <button type="button" className="btn btn-sm" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
