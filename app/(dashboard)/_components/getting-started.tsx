"use client";

import Link from "next/link";
import { useEffect, useState } from "react";

/**
 * The Overview's getting-started checklist for a new workspace: add a provider key, make a config,
 * send a request, see it in the logs. The first three are read from the workspace on the server;
 * the last is marked in this browser when the log explorer opens (`markLogsSeen`). It disappears
 * once every step is done, or when dismissed (remembered in this browser, per workspace). Drawn
 * after hydration, since two of its facts live in the browser.
 */
export type ChecklistFacts = { virtualKeys: number; configs: number; anyRequest: boolean };

const seenKey = (workspaceId: string) => `detour.getting-started.logs-seen:${workspaceId}`;
const dismissedKey = (workspaceId: string) => `detour.getting-started.dismissed:${workspaceId}`;

/** Called by the log explorer: this workspace's logs were seen here. */
export function markLogsSeen(workspaceId: string): void {
  try {
    window.localStorage.setItem(seenKey(workspaceId), "1");
  } catch {
    // Storage refused (private mode): the step stays open, nothing else breaks.
  }
}

function stored(key: string): boolean {
  try {
    return window.localStorage.getItem(key) === "1";
  } catch {
    return false;
  }
}

export function GettingStarted({ workspaceId, facts }: { workspaceId: string; facts: ChecklistFacts }) {
  const [browser, setBrowser] = useState<{ logsSeen: boolean; dismissed: boolean } | null>(null);
  useEffect(() => setBrowser({ logsSeen: stored(seenKey(workspaceId)), dismissed: stored(dismissedKey(workspaceId)) }), [workspaceId]);
  if (!browser || browser.dismissed) return null;
  const steps = [
    {
      id: "key",
      done: facts.virtualKeys > 0,
      title: "Add a provider key",
      text: "Store an OpenAI, Azure or Anthropic key as a virtual key: encrypted, rotatable, never shown again.",
      href: "/virtual-keys",
      action: "Virtual keys",
    },
    {
      id: "config",
      done: facts.configs > 0,
      title: "Make a config",
      text: "Say where requests go: fall back to a second provider on 429 or 503, retry, time out.",
      href: "/configs/new",
      action: "New config",
    },
    {
      id: "request",
      done: facts.anyRequest,
      title: "Send a request",
      text: "Create an API key for your app, then point its SDK at Detour (below) with the config id.",
      href: "/api-keys",
      action: "API keys",
    },
    {
      id: "logs",
      done: facts.anyRequest && browser.logsSeen,
      title: "See it in the logs",
      text: "Every request is logged: its status, tokens, cost, and each target tried.",
      href: "/logs",
      action: "Logs",
    },
  ];
  const left = steps.filter((s) => !s.done).length;
  if (left === 0) return null;
  return (
    <section className="panel getting-started" aria-labelledby="getting-started-h">
      <div className="getting-started-head">
        <h2 id="getting-started-h">Get started</h2>
        <span className="muted">
          {steps.length - left} of {steps.length} done
        </span>
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          onClick={() => {
            try {
              window.localStorage.setItem(dismissedKey(workspaceId), "1");
            } catch {
              // Not remembered: hidden until the next visit.
            }
            setBrowser({ ...browser, dismissed: true });
          }}
        >
          Hide
        </button>
      </div>
      <ol className="getting-started-steps">
        {steps.map((s) => (
          <li key={s.id} className={s.done ? "is-done" : undefined} aria-label={`${s.title}: ${s.done ? "done" : "to do"}`}>
            <span className="getting-started-mark" aria-hidden="true">
              {s.done ? "✓" : ""}
            </span>
            <div>
              <strong>{s.title}</strong>
              <p className="muted">{s.text}</p>
            </div>
            {s.done ? null : (
              <Link className="btn btn-sm" href={s.href}>
                {s.action}
              </Link>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Marks this workspace's logs as seen when the log explorer shows (nothing to render). */
export function LogsSeen({ workspaceId }: { workspaceId: string }) {
  useEffect(() => markLogsSeen(workspaceId), [workspaceId]);
  return null;
}
