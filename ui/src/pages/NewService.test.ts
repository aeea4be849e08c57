import { describe, expect, it } from "vitest";
import { EMPTY_DRAFT, specFromDraft } from "./NewService";

const git = {
  ...EMPTY_DRAFT,
  kind: "git" as const,
  slug: " app ",
  repository: " git@github.com:acme/app.git ",
};

describe("specFromDraft", () => {
  it("creates an image service from the image field alone", () => {
    expect(
      specFromDraft({ ...EMPTY_DRAFT, slug: "web", image: " nginx:1.27 ", repository: "ignored" }),
    ).toEqual({
      spec: { slug: "web", source: { type: "image", image: "nginx:1.27" } },
    });
  });

  it("creates a public Git service without credentials", () => {
    expect(specFromDraft(git)).toEqual({
      spec: {
        slug: "app",
        source: {
          type: "git",
          repository_url: "git@github.com:acme/app.git",
          branch: "main",
          dockerfile_path: "Dockerfile",
        },
      },
    });
  });

  it("sends the deploy key typed on creation", () => {
    const credentials = {
      ...EMPTY_DRAFT.credentials,
      kind: "ssh" as const,
      sshKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n",
    };
    const made = specFromDraft({ ...git, credentials });
    expect(
      "spec" in made && made.spec.source.type === "git" && made.spec.source.credentials,
    ).toEqual({ ssh_key: credentials.sshKey });
  });

  it("refuses, by field and before sending, a missing token or a pasted public key", () => {
    expect(
      specFromDraft({ ...git, credentials: { ...EMPTY_DRAFT.credentials, kind: "token" } }),
    ).toEqual({ errors: { credentialToken: "enter the access token" } });
    const publicKey = {
      ...EMPTY_DRAFT.credentials,
      kind: "ssh" as const,
      sshKey: "ssh-ed25519 AAAAC3Nza deploy",
    };
    const refused = specFromDraft({ ...git, credentials: publicKey });
    expect("errors" in refused && refused.errors.sshKey).toMatch(/this is a public key/);
  });

  it("creates a job with its command split into arguments", () => {
    const draft = { ...EMPTY_DRAFT, slug: "migrate", image: "app:1", job: true };
    expect(specFromDraft({ ...draft, command: "sh -c 'echo migrated'" })).toEqual({
      spec: {
        slug: "migrate",
        source: { type: "image", image: "app:1" },
        mode: "job",
        command: ["sh", "-c", "echo migrated"],
      },
    });
    expect(specFromDraft({ ...draft, command: "  " })).toEqual({
      spec: { slug: "migrate", source: { type: "image", image: "app:1" }, mode: "job" },
    });
  });

  it("leaves a long-running service's command to the image even if one was typed", () => {
    const made = specFromDraft({ ...EMPTY_DRAFT, slug: "web", image: "nginx:1", command: "x" });
    expect(made).toEqual({ spec: { slug: "web", source: { type: "image", image: "nginx:1" } } });
  });
});
