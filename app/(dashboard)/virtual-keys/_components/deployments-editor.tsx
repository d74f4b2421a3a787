"use client";

import { useId } from "react";
import type { FieldErrors } from "@/lib/browser/submit-json";

/**
 * Azure deployments as a small table: model alias -> deployment, an optional api-version per row,
 * one default. The column headers are what people see; each input also has a visually hidden label
 * "<column> <row number>" ("Deployment 2"), so screen readers and getByLabel name it fully. Errors
 * from the API show in the cell they are about.
 */
export type DeploymentRow = { uid: number; alias: string; deployment: string; apiVersion: string };

let nextUid = 1;
export const newDeploymentRow = (): DeploymentRow => ({ uid: nextUid++, alias: "", deployment: "", apiVersion: "" });

export function DeploymentsEditor({
  rows,
  defaultUid,
  onChange,
  errors,
  apiVersionPlaceholder,
}: {
  rows: DeploymentRow[];
  defaultUid: number | null;
  onChange: (rows: DeploymentRow[], defaultUid: number | null) => void;
  errors: FieldErrors;
  apiVersionPlaceholder: string;
}) {
  const id = useId();
  const listError = errors.deployments ?? errors.deployment_name;

  function update(uid: number, patch: Partial<DeploymentRow>) {
    onChange(
      rows.map((r) => (r.uid === uid ? { ...r, ...patch } : r)),
      defaultUid,
    );
  }
  function remove(uid: number) {
    const rest = rows.filter((r) => r.uid !== uid);
    onChange(rest, defaultUid === uid ? (rest[0]?.uid ?? null) : defaultUid);
  }
  function add() {
    const row = newDeploymentRow();
    onChange([...rows, row], defaultUid ?? row.uid);
  }

  return (
    <fieldset className="vk-deployments" aria-describedby={listError ? `${id}-error` : undefined}>
      <legend>Deployments</legend>
      <p className="field-hint vk-deployments-hint">
        A request&apos;s <code>model</code> picks the row with that alias (a row without one answers to its deployment name); other models
        go to the default.
      </p>
      <table className="ui-table ui-table-compact vk-deployments-table">
        <thead>
          <tr>
            <th scope="col" className="vk-col-num">
              #
            </th>
            <th scope="col">Alias</th>
            <th scope="col">Deployment</th>
            <th scope="col">API version</th>
            <th scope="col" className="vk-col-default">
              Default
            </th>
            <th scope="col" className="vk-col-remove">
              <span className="sr-only">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => {
            const cellId = (column: string) => `${id}-${row.uid}-${column}`;
            const n = i + 1;
            const path = `deployments[${i}]`;
            const cell = (key: "alias" | "deployment_name" | "api_version") => errors[`${path}.${key}`];
            const defaultError = errors[`${path}.is_default`];
            const rowErrors = [cell("alias"), cell("deployment_name"), cell("api_version"), defaultError].filter(Boolean);
            return (
              <tr key={row.uid} aria-invalid={rowErrors.length ? true : undefined}>
                <td className="vk-col-num">{n}</td>
                <td>
                  <label htmlFor={cellId("alias")} className="sr-only">
                    Alias {n}
                  </label>
                  <input
                    id={cellId("alias")}
                    name={`${path}.alias`}
                    aria-invalid={cell("alias") ? true : undefined}
                    placeholder="gpt-4o"
                    value={row.alias}
                    onChange={(e) => update(row.uid, { alias: e.target.value })}
                  />
                  {cell("alias") ? <div className="field-error">{cell("alias")}</div> : null}
                </td>
                <td>
                  <label htmlFor={cellId("deployment")} className="sr-only">
                    Deployment {n}
                  </label>
                  <input
                    id={cellId("deployment")}
                    name={`${path}.deployment_name`}
                    aria-invalid={cell("deployment_name") ? true : undefined}
                    placeholder="gpt4o-prod"
                    value={row.deployment}
                    onChange={(e) => update(row.uid, { deployment: e.target.value })}
                  />
                  {cell("deployment_name") ? <div className="field-error">{cell("deployment_name")}</div> : null}
                </td>
                <td>
                  <label htmlFor={cellId("api-version")} className="sr-only">
                    API version {n}
                  </label>
                  <input
                    id={cellId("api-version")}
                    name={`${path}.api_version`}
                    aria-invalid={cell("api_version") ? true : undefined}
                    placeholder={apiVersionPlaceholder}
                    value={row.apiVersion}
                    onChange={(e) => update(row.uid, { apiVersion: e.target.value })}
                  />
                  {cell("api_version") ? <div className="field-error">{cell("api_version")}</div> : null}
                </td>
                <td className="vk-col-default">
                  <label htmlFor={cellId("default")} className="sr-only">
                    Default {n}
                  </label>
                  <input
                    id={cellId("default")}
                    type="radio"
                    name={`${id}-default`}
                    data-error-suffix=".is_default"
                    aria-invalid={defaultError ? true : undefined}
                    checked={defaultUid === row.uid}
                    onChange={() => onChange(rows, row.uid)}
                  />
                  {defaultError ? <div className="field-error">{defaultError}</div> : null}
                </td>
                <td className="vk-col-remove">
                  <button
                    type="button"
                    className="btn btn-ghost btn-icon"
                    aria-label={`Remove deployment ${n}`}
                    onClick={() => remove(row.uid)}
                    disabled={rows.length === 1}
                  >
                    <svg
                      width="13"
                      height="13"
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
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {listError ? (
        <div id={`${id}-error`} className="field-error">
          {listError}
        </div>
      ) : null}
      <button type="button" className="btn btn-sm vk-add-deployment" onClick={add}>
        + Add deployment
      </button>
    </fieldset>
  );
}
