import { describe, expect, it } from "vitest";
import type { Domain, DomainSpec } from "../api/types";
import { certificateProblem, headersFrom, linesOf, policiesFrom, policiesToSpec } from "./policies";

const SPEC = {
  domain: "app.example.com",
  base_path: "/",
  target: { service_id: "s", port: 80 },
  strip_prefix: false,
  basic_auth: [{ username: "preview", password: "••••••••" }],
  allow_networks: ["10.0.0.0/8"],
  deny_networks: [],
  security_headers: true,
  response_headers: { "X-Team": "blue" },
  compress: true,
  max_body_size: 1048576,
  maintenance: false,
  maintenance_message: "",
  redirect_www: false,
  certificate: null,
} as unknown as DomainSpec;

describe("policies", () => {
  it("round-trips a spec through the form unchanged", () => {
    expect(policiesToSpec(SPEC, policiesFrom(SPEC))).toEqual({ ...SPEC, max_body_size: "1048576" });
  });

  it("reads one network per line and skips blank lines", () => {
    const form = { ...policiesFrom(SPEC), allow: " 10.0.0.0/8 \n\n192.0.2.1\n" };
    expect(policiesToSpec(SPEC, form).allow_networks).toEqual(["10.0.0.0/8", "192.0.2.1"]);
  });

  it("reads Name: value headers, a line without a colon as a name", () => {
    expect(headersFrom("X-A: 1: 2\nX Bad\n")).toEqual({ "X-A": "1: 2", "X Bad": "" });
  });

  it("sends no limit for an empty body size", () => {
    expect(policiesToSpec(SPEC, { ...policiesFrom(SPEC), maxBody: " " }).max_body_size).toBeNull();
  });

  it("sends an uploaded certificate with its key, and none when the PEM is cleared", () => {
    const form = { ...policiesFrom(SPEC), certificate: "PEM", privateKey: "KEY" };
    expect(policiesToSpec(SPEC, form).certificate).toEqual({
      certificate: "PEM",
      private_key: "KEY",
    });
    expect(policiesToSpec(SPEC, { ...form, certificate: "  " }).certificate).toBeNull();
  });

  it("names a user's field by its place in the list", () => {
    expect(linesOf("0.password: a password must not be empty")).toBe(
      "user 1's password: a password must not be empty",
    );
  });
});

describe("certificateProblem", () => {
  const domain = (conditions: Domain["status"]["conditions"]) =>
    ({ status: { conditions } }) as unknown as Domain;

  it("says Caddy's reason while a certificate cannot be issued", () => {
    const failed = domain([
      { type: "Certificate", status: "False", reason: "IssueFailed", message: "dial tcp: refused" },
    ]);
    expect(certificateProblem(failed)).toBe("Certificate cannot be issued: dial tcp: refused");
  });

  it("says nothing once issued, or of an uploaded certificate's state", () => {
    expect(
      certificateProblem(
        domain([{ type: "Certificate", status: "True", reason: "Issued", message: "" }]),
      ),
    ).toBeNull();
    expect(
      certificateProblem(
        domain([{ type: "Certificate", status: "True", reason: "Valid", message: "in date" }]),
      ),
    ).toBeNull();
    expect(certificateProblem(domain([]))).toBeNull();
  });
});
