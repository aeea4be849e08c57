// `npm run lint`: the recommended JavaScript and TypeScript rules, and React's rules of hooks.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig([
  // schema.ts is generated from the API's document (npm run gen:types): not written here.
  globalIgnores(["dist", "src/api/schema.ts"]),
  {
    files: ["**/*.{ts,tsx}"],
    extends: [
      js.configs.recommended,
      tseslint.configs.recommended,
      reactHooks.configs.flat.recommended,
    ],
    languageOptions: { globals: globals.browser },
    rules: {
      // A missing dependency is a stale value on screen: an error, not a warning to scroll past.
      // usePoll takes its loader's dependencies like useEffect: check its callers too.
      "react-hooks/exhaustive-deps": ["error", { additionalHooks: "^usePoll$" }],
      // `_` marks a parameter kept for its position (tsc's noUnusedParameters agrees).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // Run by node: the config and the scripts of package.json.
    files: ["*.js", "scripts/**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    // Loaded by index.html as a classic script, before the app.
    files: ["public/**/*.js"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.browser, sourceType: "script" },
  },
]);
