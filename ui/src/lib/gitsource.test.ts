import { describe, expect, it } from "vitest";
import { type GitSource, MASK } from "../api/types";
import {
  type CredentialsForm,
  credentialsFormOf,
  credentialsMismatch,
  credentialsOf,
  formOf,
  sourceOf,
  watchPathsOf,
  webhookUrl,
} from "./gitsource";

const SOURCE: GitSource = {
  type: "git",
  repository_url: "https://git.example.com/acme/app",
  branch: "main",
  commit: null,
  dockerfile_path: "Dockerfile",
  context: ".",
  build_args: { NODE_ENV: "production" },
  target: null,
  credentials: null,
  watch_paths: ["api/**"],
  config_file: null,
};

const PRIVATE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----\n";

describe("git source form", () => {
  it("round-trips a stored source through the form unchanged", () => {
    expect(sourceOf(formOf(SOURCE), SOURCE)).toEqual({ source: SOURCE });
  });

  it("turns config as code on with a file name and off with a blank one", () => {
    const on = sourceOf({ ...formOf(SOURCE), configFile: " zaneops.yaml " }, SOURCE);
    expect(on).toMatchObject({ source: { config_file: "zaneops.yaml" } });
    const stored = { ...SOURCE, config_file: "deploy/zaneops.yaml" };
    expect(formOf(stored).configFile).toBe("deploy/zaneops.yaml");
    const off = sourceOf({ ...formOf(stored), configFile: "  " }, stored);
    expect(off).toMatchObject({ source: { config_file: null } });
  });

  it("turns blank commit and target into none and trims the text fields", () => {
    const form = { ...formOf(SOURCE), commit: "  ", target: " build ", branch: " dev " };
    const saved = sourceOf(form, SOURCE);
    expect(saved).toMatchObject({ source: { commit: null, target: "build", branch: "dev" } });
  });

  it("refuses build argument lines it cannot read, naming the line", () => {
    const saved = sourceOf({ ...formOf(SOURCE), buildArgs: "OK=1\nnot an assignment" }, SOURCE);
    expect(saved).toEqual({ errors: { buildArgs: "line 2: expected NAME=value" } });
  });

  it("sends a stored token back as the mask when its field is left empty", () => {
    const stored: GitSource = {
      ...SOURCE,
      credentials: { token: MASK, username: "deploy-bot", ssh_key: null },
    };
    const form = formOf(stored);
    expect(form.credentials).toMatchObject({
      kind: "token",
      stored: "token",
      token: "",
      username: "deploy-bot",
    });
    expect(sourceOf(form, stored)).toEqual({
      source: { ...stored, credentials: { token: MASK, username: "deploy-bot" } },
    });
  });

  it("reports a missing secret and a bad build argument together", () => {
    const form = {
      ...formOf(SOURCE),
      buildArgs: "oops",
      credentials: { ...formOf(SOURCE).credentials, kind: "token" as const },
    };
    expect(sourceOf(form, SOURCE)).toEqual({
      errors: {
        buildArgs: "line 1: expected NAME=value",
        credentialToken: "enter the access token",
      },
    });
  });
});

describe("private repository credentials", () => {
  const none = credentialsFormOf(null);

  it("starts a public source with no credentials and a token user name forges accept", () => {
    expect(none).toEqual({
      kind: "none",
      username: "oauth2",
      token: "",
      sshKey: "",
      stored: "none",
    });
    expect(credentialsOf(none)).toEqual({ credentials: null });
  });

  it("reads a stored deploy key as stored, never showing the mask", () => {
    const form = credentialsFormOf({ ssh_key: MASK, username: "x-access-token", token: null });
    expect(form).toMatchObject({ kind: "ssh", stored: "ssh", sshKey: "" });
    expect(credentialsOf(form)).toEqual({ credentials: { ssh_key: MASK } });
  });

  it("sends a newly typed token, trimmed, with its user name, and only the token", () => {
    const form: CredentialsForm = {
      ...none,
      kind: "token",
      token: " ghp_abc \n",
      username: " ci ",
    };
    expect(credentialsOf(form)).toEqual({ credentials: { token: "ghp_abc", username: "ci" } });
  });

  it("replaces a stored token with a pasted deploy key, sending only the key", () => {
    const form: CredentialsForm = {
      ...credentialsFormOf({ token: MASK, username: "u" }),
      kind: "ssh",
      sshKey: PRIVATE_KEY,
    };
    expect(credentialsOf(form)).toEqual({ credentials: { ssh_key: PRIVATE_KEY } });
  });

  it("asks for the key when switching from a stored token to a deploy key with none pasted", () => {
    const form: CredentialsForm = {
      ...credentialsFormOf({ token: MASK, username: "u" }),
      kind: "ssh",
    };
    expect(credentialsOf(form)).toEqual({
      errors: { sshKey: "paste the private key of the deploy key" },
    });
  });

  it("clears stored credentials only when none is chosen", () => {
    const form: CredentialsForm = {
      ...credentialsFormOf({ token: MASK, username: "u" }),
      kind: "none",
    };
    expect(credentialsOf(form)).toEqual({ credentials: null });
  });

  it("refuses an empty user name with a token, as the API would", () => {
    const form: CredentialsForm = { ...none, kind: "token", token: "t", username: "  " };
    expect(credentialsOf(form)).toEqual({
      errors: { credentialUsername: "enter a user name (e.g. oauth2)" },
    });
  });

  it("refuses a public key pasted as the deploy key", () => {
    const form: CredentialsForm = {
      ...none,
      kind: "ssh",
      sshKey: "ssh-ed25519 AAAAC3Nz me@laptop",
    };
    expect(credentialsOf(form)).toMatchObject({
      errors: { sshKey: expect.stringContaining("public key") },
    });
  });

  it("warns when the secret cannot travel over the repository URL's protocol", () => {
    expect(credentialsMismatch("git@github.com:acme/app.git", "token")).toContain("ssh");
    expect(credentialsMismatch("https://github.com/acme/app.git", "ssh")).toContain("https");
    expect(credentialsMismatch("ssh://git@host/app.git", "ssh")).toBeNull();
    expect(credentialsMismatch("https://github.com/acme/app.git", "token")).toBeNull();
    expect(credentialsMismatch("/srv/repo", "none")).toBeNull();
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
