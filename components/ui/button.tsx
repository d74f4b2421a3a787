import type { ButtonHTMLAttributes } from "react";

export type ButtonVariant = "default" | "primary" | "danger" | "danger-solid" | "ghost";

export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: ButtonVariant;
  size?: "sm" | "md";
  ref?: React.Ref<HTMLButtonElement>;
};

/** The one button. `type` defaults to "button" so a button inside a form never submits by accident. */
export function Button({ variant = "default", size = "md", className, type = "button", ...props }: ButtonProps) {
  const classes = ["btn", variant !== "default" ? `btn-${variant}` : "", size === "sm" ? "btn-sm" : "", className ?? ""]
    .filter(Boolean)
    .join(" ");
  return <button type={type} className={classes} {...props} />;
}
