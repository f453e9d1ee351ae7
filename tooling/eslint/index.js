// Shared flat config: type-aware TypeScript rules for every package.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

/** process.env in its other spellings; shared with blocks that add their own restricted syntax. */
export const ENV_SYNTAX_RESTRICTIONS = [
  {
    selector: "MemberExpression[object.property.name='process'][property.name='env']",
    message: "Read the environment through your app's env module.",
  },
  {
    selector: "ImportDeclaration[source.value=/^(node:)?process$/] ImportSpecifier[imported.name='env']",
    message: "Read the environment through your app's env module.",
  },
];

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/.turbo/**", "**/*.config.*", "**/*.mjs", "**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { globals: { ...globals.node }, parserOptions: { projectService: true } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/only-throw-error": "off",
      "no-console": "off",
      // Numbers and booleans read fine in messages; objects and nullables still must be formatted.
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      // `onClick={() => setOpen(false)}` and `() => void run()` are clear as they are.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
    },
  },
  {
    // Each app reads its environment in one env module (on @radha/core/env's parser) and hands
    // typed config to the rest; a stray process.env read is config nobody validates or documents.
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Read the environment through your app's env module.",
        },
      ],
      "no-restricted-syntax": ["error", ...ENV_SYNTAX_RESTRICTIONS],
    },
  },
  { files: ["**/env.ts"], rules: { "no-restricted-properties": "off", "no-restricted-syntax": "off" } },
  {
    // Tests poke at untyped JSON responses on purpose; type-safety rules there add noise, not safety.
    files: ["**/*.test.ts", "**/*.test.tsx", "**/e2e/**", "**/bench/**", "**/testing/**", "**/testing.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
