// The time window of a page of charts (1 h to 7 d), and what such a page says when the
// platform runs without its metrics store.

import { WINDOWS, type Window } from "../lib/metrics";
import { Button, Empty } from "./ui";

export function WindowPicker({
  window,
  onChange,
}: {
  window: Window;
  onChange: (window: Window) => void;
}) {
  return (
    <div className="row" style={{ gap: 6 }} role="group" aria-label="Time window">
      {WINDOWS.map((w) => (
        <Button
          key={w}
          small
          variant={w === window ? "primary" : "ghost"}
          aria-pressed={w === window}
          onClick={() => onChange(w)}
        >
          {w}
        </Button>
      ))}
    </div>
  );
}

export function MetricsOff() {
  return <Empty title="Metrics are off">This platform runs without its metrics store.</Empty>;
}
