// `npm run check:types`: fails when src/api/schema.ts is not what `npm run gen:types` makes of
// src/api/openapi.json, i.e. someone changed one without regenerating the other.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const DOCUMENT = "src/api/openapi.json";
const COMMITTED = "src/api/schema.ts";

const folder = mkdtempSync(join(tmpdir(), "zaneops-schema-"));
try {
  const fresh = join(folder, "schema.ts");
  // The same command as the gen:types script (npm puts node_modules/.bin on the PATH).
  execFileSync("openapi-typescript", [DOCUMENT, "-o", fresh], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (readFileSync(fresh, "utf8") !== readFileSync(COMMITTED, "utf8")) {
    console.error(
      `${COMMITTED} is stale: it is not what openapi-typescript makes of ${DOCUMENT}.\n` +
        "Regenerate both from the repository's root and commit them:\n" +
        "  python -m api.openapi_document   # the API's document -> ui/src/api/openapi.json\n" +
        "  (cd ui && npm run gen:types)     # openapi.json -> ui/src/api/schema.ts",
    );
    process.exitCode = 1;
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
