import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DiffView } from "./DiffView";

describe("DiffView", () => {
  it("renders one line per change with before and after", () => {
    const html = renderToStaticMarkup(
      <DiffView
        changes={[{ path: "env.MODE.value", change: "changed", live: "dev", pending: "prod" }]}
      />,
    );
    expect(html).toContain('class="changed"');
    expect(html).toContain("Variable MODE · value");
    expect(html).toContain('<span class="before">dev</span>');
    expect(html).toContain('<span class="after">prod</span>');
    expect(html).toContain('aria-label="changed"');
  });

  it("shows only the new side of an addition and the old side of a removal", () => {
    const html = renderToStaticMarkup(
      <DiffView
        changes={[
          { path: "replicas", change: "added", pending: 2 },
          { path: "command", change: "removed", live: ["sleep", "1"] },
        ]}
      />,
    );
    expect(html).toContain('<span class="after">2</span>');
    expect(html).toContain('<span class="before">sleep 1</span>');
    expect(html).not.toContain("becomes");
  });

  it("says so when nothing changed", () => {
    expect(renderToStaticMarkup(<DiffView changes={[]} empty="Nothing." />)).toContain("Nothing.");
  });

  it("escapes values instead of injecting them", () => {
    const html = renderToStaticMarkup(
      <DiffView
        changes={[{ path: "env.X.value", change: "changed", live: "<b>", pending: "<img src=x>" }]}
      />,
    );
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x&gt;");
  });
});
