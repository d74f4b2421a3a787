/**
 * Label/value pairs in a dense grid. Each pair is a group named by its label, so a screen reader
 * announces "Rotated, group, 5 min ago" and a test can ask for the group named "Rotated".
 * (`<dl>` would be the obvious markup, but a name on a `<dd>` is not exposed by every tool.)
 * `id` must be unique on the page.
 */
export function DescriptionList({ children }: { children: React.ReactNode }) {
  return <div className="ui-dl">{children}</div>;
}

export function DescriptionItem({
  id,
  term,
  wide = false,
  children,
}: {
  id: string;
  term: string;
  wide?: boolean;
  children: React.ReactNode;
}) {
  const termId = `dl-${id}`;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a label and its value, not form controls: <fieldset> would announce a form section
    <div role="group" aria-labelledby={termId} className={wide ? "ui-dl-item ui-dl-wide" : "ui-dl-item"}>
      <div id={termId} className="ui-dl-term">
        {term}
      </div>
      <div className="ui-dl-value">{children}</div>
    </div>
  );
}
