import { describe, expect, it } from "vitest";
import type { GitSource } from "../api/types";
import { formOf, sourceOf, watchPathsOf, webhookUrl } from "./gitsource";

const SOURCE: GitSource = {
  type: "git",
  repository_url: "https://git.example.com/acme/app",
  branch: "main",
  commit: null,
  dockerfile_path: "Dockerfile",
  context: ".",
  build_args: { NODE_ENV: "production" },
  target: null,
  watch_paths: ["api/**"],
};

describe("git source form", () => {
  it("round-trips a stored source through the form unchanged", () => {
    expect(sourceOf(formOf(SOURCE), SOURCE)).toEqual({ source: SOURCE });
  });

  it("turns blank commit and target into none and trims the text fields", () => {
    const form = { ...formOf(SOURCE), commit: "  ", target: " build ", branch: " dev " };
    const saved = sourceOf(form, SOURCE);
    expect(saved).toMatchObject({ source: { commit: null, target: "build", branch: "dev" } });
  });

  it("refuses build argument lines it cannot read, naming the line", () => {
    const saved = sourceOf({ ...formOf(SOURCE), buildArgs: "OK=1\nnot an assignment" }, SOURCE);
    expect(saved).toEqual({ buildArgsError: "line 2: expected NAME=value" });
  });

  it("keeps fields the form does not show, such as credentials", () => {
    const withCredentials = { ...SOURCE, credentials: { token: "sealed" } } as GitSource;
    const saved = sourceOf(formOf(withCredentials), withCredentials);
    expect(saved).toEqual({ source: withCredentials });
  });
});

describe("watch paths", () => {
  it("reads one glob per line, dropping blanks and repeats", () => {
    expect(watchPathsOf("api/**\n\n  ui/**  \napi/**\r\n")).toEqual(["api/**", "ui/**"]);
  });
});

describe("webhook URL", () => {
  it("joins the dashboard's origin and the API's path with one slash", () => {
    expect(webhookUrl("https://zane.example.com/", "/api/v1/webhooks/zwh_x")).toBe(
      "https://zane.example.com/api/v1/webhooks/zwh_x",
    );
  });
});
