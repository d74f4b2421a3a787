/**
 * A form's errors that belong to no field (the API's `unplacedErrors`), announced as an alert: one
 * as a sentence, several as a list. Nothing when there are none.
 */
export function FormErrors({ errors }: { errors: readonly string[] }) {
  if (!errors.length) return null;
  return (
    <div role="alert" className="alert-error">
      {errors.length === 1 ? (
        errors[0]
      ) : (
        <ul>
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
