/** The rows the log list hands to its client table: the API's list item plus its failed attempts. */
import type { toLogItem } from "@/lib/api/logs";
import type { logKeyFields } from "@/lib/store/log-key-names";

export type FailedAttempt = {
  index: number;
  target_path: string;
  provider: string | null;
  virtual_key: string | null;
  status: number | null;
  error: string | null;
};

export type LogListItem = ReturnType<typeof toLogItem> &
  ReturnType<typeof logKeyFields> & {
    /** For fallback rows: the attempts that failed before the one that answered, in order. */
    failed_attempts: FailedAttempt[];
  };
