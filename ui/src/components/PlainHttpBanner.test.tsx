import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PlainHttpBanner } from "./PlainHttpBanner";

describe("PlainHttpBanner", () => {
  it("warns on plain HTTP and says how to end it", () => {
    const html = renderToStaticMarkup(<PlainHttpBanner protocol="http:" />);
    expect(html).toContain('role="alert"');
    expect(html).toContain("zaneops up --dashboard-domain");
  });

  it("says nothing over HTTPS", () => {
    expect(renderToStaticMarkup(<PlainHttpBanner protocol="https:" />)).toBe("");
  });
});
