"use client";

/**
 * The fields a virtual key's provider asks for, as the provider catalog describes them (its
 * resource name and API version, its deployments, the custom host), shared by "Create virtual key"
 * and "Edit settings". Text fields are uncontrolled (read from the form) unless `text` is given.
 */
import type { Dispatch, SetStateAction } from "react";
import { TextInput } from "@/components/ui/field";
import type { FieldErrors } from "@/lib/browser/submit-json";
import type { ProviderInfo } from "@/lib/gateway/providers/types";
import { DeploymentsEditor, type DeploymentRow } from "./deployments-editor";

export type ProviderText = { resourceName: string; apiVersion: string; customHost: string };
export type DeploymentsTable = { rows: DeploymentRow[]; defaultUid: number | null };

export function ProviderFields({
  provider,
  errors,
  setErrors,
  table,
  onTable,
  text,
}: {
  provider: ProviderInfo;
  errors: FieldErrors;
  setErrors: Dispatch<SetStateAction<FieldErrors>>;
  table: DeploymentsTable;
  onTable: (table: DeploymentsTable) => void;
  /** The text fields' values and their change handler, for a form that holds them in its state. */
  text?: { values: ProviderText; set: (key: keyof ProviderText) => (e: React.ChangeEvent<HTMLInputElement>) => void };
}) {
  const fields = provider.keyFields;
  const controlled = (key: keyof ProviderText) => (text ? { value: text.values[key], onChange: text.set(key) } : {});
  return (
    <>
      {fields.resource_name || fields.api_version ? (
        <div className="ui-form-grid">
          {fields.resource_name ? (
            <TextInput
              label={fields.resource_name.label}
              name="resource_name"
              {...controlled("resourceName")}
              error={errors.resource_name}
              placeholder={fields.resource_name.placeholder}
              autoComplete="off"
              hint={fields.resource_name.hint}
            />
          ) : null}
          {fields.api_version ? (
            <TextInput
              label={fields.api_version.label}
              aside={fields.api_version.optional ? "optional" : undefined}
              name="api_version"
              {...controlled("apiVersion")}
              error={errors.api_version}
              placeholder={fields.api_version.placeholder}
              autoComplete="off"
              hint={fields.api_version.hint}
            />
          ) : null}
        </div>
      ) : null}
      {fields.deployments ? (
        <DeploymentsEditor
          rows={table.rows}
          defaultUid={table.defaultUid}
          onChange={(rows, defaultUid) => {
            // Adding or removing a row shifts the indexes the errors are keyed by: drop the table's errors.
            if (rows.length !== table.rows.length)
              setErrors((now) => Object.fromEntries(Object.entries(now).filter(([path]) => !path.startsWith("deployments"))));
            onTable({ rows, defaultUid });
          }}
          errors={errors}
          apiVersionPlaceholder={fields.deployments.placeholder ?? ""}
        />
      ) : null}
      <TextInput
        label={provider.keyForm.customHost.label}
        aside={provider.keyForm.customHost.optional === false ? "required" : "optional"}
        name="custom_host"
        type="url"
        {...controlled("customHost")}
        error={errors.custom_host}
        placeholder={provider.keyForm.customHost.placeholder}
        autoComplete="off"
        hint={provider.keyForm.customHost.hint}
      />
    </>
  );
}
