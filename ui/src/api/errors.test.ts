import { describe, expect, it } from "vitest";
import {
  ApiError,
  errorFromAnswer,
  errorsUnder,
  fieldErrors,
  FormProblem,
  messageOf,
  unplacedErrors,
  withoutUnionTag,
} from "./errors";

const invalid = errorFromAnswer(422, {
  code: "invalid_input",
  message: "source.image: bad; env.0.name: bad name",
  errors: [
    {
      field: "source.image",
      location: "body",
      reason: "an image reference must be non-empty",
      type: "invalid_image_ref",
    },
    {
      field: "env.0.name",
      location: "body",
      reason: "a variable name must not be empty",
      type: "invalid_env_var_name",
    },
    { field: "If-Match", location: "header", reason: "required", type: "missing" },
  ],
});

describe("errorFromAnswer", () => {
  it("keeps the API's code, message and field errors", () => {
    expect(invalid).toBeInstanceOf(ApiError);
    expect(invalid.status).toBe(422);
    expect(invalid.code).toBe("invalid_input");
    expect(invalid.errors).toHaveLength(3);
  });

  it("turns a body that is not the API's (a proxy's HTML page) into a plain message", () => {
    const error = errorFromAnswer(502, "<html>Bad gateway</html>");
    expect(error.code).toBe("http_error");
    expect(error.message).toBe("the server failed; try again");
    expect(errorFromAnswer(404, null).message).toBe("request failed (404)");
  });
});

describe("fieldErrors", () => {
  it("keys reasons by the API's field path", () => {
    expect(fieldErrors(invalid)["env.0.name"]).toBe("a variable name must not be empty");
  });

  it("renames fields and prefixes to the form's names", () => {
    const errors = fieldErrors(invalid, { "source.image": "image", env: "vars" });
    expect(errors.image).toBe("an image reference must be non-empty");
    expect(errors["vars.0.name"]).toBe("a variable name must not be empty");
  });

  it("is empty for errors that are not the API's", () => {
    expect(fieldErrors(new Error("boom"))).toEqual({});
  });
});

describe("withoutUnionTag", () => {
  it("drops the member name a union puts in the path", () => {
    expect(withoutUnionTag("source.image.image")).toBe("source.image");
    expect(withoutUnionTag("source.git.branch")).toBe("source.branch");
    expect(withoutUnionTag("target.email.recipients")).toBe("target.recipients");
    expect(withoutUnionTag("healthcheck.http.port")).toBe("healthcheck.port");
    expect(withoutUnionTag("source.image")).toBe("source.image");
    expect(withoutUnionTag("env.0.name")).toBe("env.0.name");
  });

  it("applies before renaming, so forms name fields once", () => {
    const error = errorFromAnswer(422, {
      code: "invalid_input",
      message: "bad",
      errors: [
        { field: "source.git.repository_url", location: "body", reason: "bad url", type: "x" },
      ],
    });
    expect(fieldErrors(error, { "source.repository_url": "repository" })).toEqual({
      repository: "bad url",
    });
  });
});

describe("unplacedErrors", () => {
  it("lists the reasons no field of the form shows", () => {
    expect(unplacedErrors(invalid, ["source.image", "env.0.name"])).toEqual(["If-Match: required"]);
  });

  it("falls back to the message when the API named no field", () => {
    const conflict = errorFromAnswer(409, { code: "conflict", message: "slug taken", errors: [] });
    expect(unplacedErrors(conflict, ["slug"])).toEqual(["slug taken"]);
  });
});

describe("messageOf", () => {
  it("explains a network failure in words", () => {
    expect(messageOf(new TypeError("Failed to fetch"))).toBe(
      "cannot reach the server: check your connection",
    );
    expect(messageOf(invalid)).toContain("source.image");
  });
});

describe("errorsUnder", () => {
  it("lists the reasons about a map's entries, led by the entry's name", () => {
    const error = errorFromAnswer(422, {
      code: "invalid_input",
      message: "bad",
      errors: [
        { field: "variables.A.[key]", location: "body", reason: "too long", type: "x" },
        { field: "variables.B", location: "body", reason: "has a NUL", type: "x" },
        { field: "variables", location: "body", reason: "not a map", type: "x" },
        { field: "variablesX", location: "body", reason: "other", type: "x" },
        { field: "slug", location: "body", reason: "bad slug", type: "x" },
      ],
    });
    expect(errorsUnder(error, "variables")).toEqual(["A: too long", "B: has a NUL", "not a map"]);
  });

  it("has nothing to say about errors that are not the API's", () => {
    expect(errorsUnder(new Error("offline"), "variables")).toEqual([]);
  });
});

describe("FormProblem", () => {
  const problem = new FormProblem({ sshKey: "paste the private key", buildArgs: "line 2: no =" });

  it("shows next to the form's own fields, like the API's field errors", () => {
    expect(fieldErrors(problem, { "source.credentials.ssh_key": "sshKey" })).toEqual({
      sshKey: "paste the private key",
      buildArgs: "line 2: no =",
    });
  });

  it("lists on top only what no field of the form shows", () => {
    expect(unplacedErrors(problem, ["sshKey", "buildArgs"])).toEqual([]);
    expect(unplacedErrors(problem, ["sshKey"])).toEqual(["buildArgs: line 2: no ="]);
  });
});
