// The API's one error format, turned into what a form shows next to each field.

export interface FieldError {
  field: string;
  location: string;
  reason: string;
  type: string;
}

export interface ErrorBody {
  code: string;
  message: string;
  errors: FieldError[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.errors = body.errors;
  }
}

/** What a form could not read before sending anything (a missing secret, a bad line), keyed by
 * the form's own field names; shown next to the fields like the API's field errors. */
export class FormProblem extends Error {
  readonly errors: Record<string, string>;

  constructor(errors: Record<string, string>) {
    super(Object.values(errors).join("; "));
    this.name = "FormProblem";
    this.errors = errors;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.code === "string" && typeof body.message === "string";
}

/** The error a failed answer stands for, whatever its body (proxies answer HTML too). */
export function errorFromAnswer(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) {
    return new ApiError(status, { ...body, errors: Array.isArray(body.errors) ? body.errors : [] });
  }
  const message = status >= 500 ? "the server failed; try again" : `request failed (${status})`;
  return new ApiError(status, { code: "http_error", message, errors: [] });
}

/**
 * Reasons by field, keyed as the form names its fields. `prefix` drops a leading part of the
 * API's path (e.g. "spec."), and `rename` maps API paths to form field names.
 */
export function fieldErrors(
  error: unknown,
  rename: Record<string, string> = {},
): Record<string, string> {
  if (error instanceof FormProblem) return { ...error.errors };
  if (!(error instanceof ApiError)) return {};
  const found: Record<string, string> = {};
  for (const item of error.errors) {
    const key = formKey(item.field, rename);
    if (!(key in found)) found[key] = item.reason;
  }
  return found;
}

// A union's member names itself in the path (source.image.image): drop it, the form has one field.
const UNION_TAGS =
  /^(source\.(?:image|git)|healthcheck\.(?:http|command)|target\.(?:webhook|chat|ntfy|telegram|email))\.(?=.)/;

/** "source.git.branch" → "source.branch"; other paths unchanged. */
export function withoutUnionTag(field: string): string {
  return field.replace(UNION_TAGS, (tagged: string) => tagged.split(".")[0] + ".");
}

function formKey(apiField: string, rename: Record<string, string>): string {
  const field = withoutUnionTag(apiField);
  if (field in rename) return rename[field] as string;
  // The longest renamed prefix wins: "source.image" before "source".
  const prefixes = Object.keys(rename).sort((a, b) => b.length - a.length);
  const prefix = prefixes.find((p) => field.startsWith(p + "."));
  return prefix === undefined ? field : rename[prefix] + field.slice(prefix.length);
}

/** The reasons no field of the form shows, so they are not lost: the form shows them on top. */
export function unplacedErrors(
  error: unknown,
  shown: readonly string[],
  rename: Record<string, string> = {},
): string[] {
  if (error instanceof FormProblem)
    return Object.entries(error.errors)
      .filter(([key]) => !shown.includes(key))
      .map(([key, reason]) => `${key}: ${reason}`);
  if (!(error instanceof ApiError)) return error instanceof Error ? [error.message] : [];
  const placed = fieldErrors(error, rename);
  const rest = Object.entries(placed).filter(([key]) => !shown.includes(key));
  if (error.errors.length === 0) return [error.message];
  return rest.map(([key, reason]) => (key ? `${key}: ${reason}` : reason));
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "cannot reach the server: check your connection";
  return error instanceof Error ? error.message : String(error);
}

/**
 * The reasons about one field that holds a map (e.g. "variables.DB_HOST.[key]"), each led
 * by the entry it is about, so one editor for the whole map can show them.
 */
export function errorsUnder(error: unknown, field: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return error.errors
    .filter((item) => item.field === field || item.field.startsWith(field + "."))
    .map((item) => {
      const entry = item.field.slice(field.length + 1).replace(/\.\[key\]$/, "");
      return entry ? `${entry}: ${item.reason}` : item.reason;
    });
}
