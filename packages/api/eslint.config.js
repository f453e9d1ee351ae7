export { default } from "@radha/eslint-config";
