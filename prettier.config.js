export { default } from "@radha/prettier-config";
