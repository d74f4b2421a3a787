import Link from "next/link";

export default function LogNotFound() {
  return (
    <div className="empty-state" role="status">
      <h1>Log not found</h1>
      <p>There is no request log with this id in your workspace.</p>
      <p>
        <Link href="/logs">Back to the logs</Link>
      </p>
    </div>
  );
}
