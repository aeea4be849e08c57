// A value shown read-only with a Copy button (and Show/Hide for a secret).

import { useApp } from "./app-context";
import { Button } from "./ui";

export function CopyRow({
  label,
  value,
  hidden,
  onReveal,
}: {
  label: string;
  value: string;
  hidden?: boolean;
  onReveal?: () => void;
}) {
  const { notify } = useApp();
  const copy = async () => {
    await navigator.clipboard.writeText(value);
    notify(`${label} copied`);
  };
  return (
    <div className="row" style={{ gap: 8, alignItems: "center" }}>
      <strong style={{ minWidth: 110 }}>{label}</strong>
      <input
        aria-label={label}
        readOnly
        className="mono"
        style={{ flex: 1 }}
        type={hidden ? "password" : "text"}
        value={value}
        onFocus={(e) => e.target.select()}
      />
      {onReveal ? (
        <Button small onClick={onReveal}>
          {hidden ? "Show" : "Hide"}
        </Button>
      ) : null}
      <Button small aria-label={`Copy ${label}`} onClick={() => void copy()}>
        Copy
      </Button>
    </div>
  );
}
