// React additions on top of the shared config.
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import base from "./index.js";

export default [
  ...base,
  {
    files: ["**/*.tsx", "**/*.ts"],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "warn" },
  },
];
