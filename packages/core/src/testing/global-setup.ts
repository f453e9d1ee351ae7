// vitest globalSetup: migrate this package's template database once per run; drop it after.
import { dropTestDatabases, prepareTemplateDatabase } from "./index";

export default async function setup(): Promise<() => Promise<void>> {
  await prepareTemplateDatabase();
  return dropTestDatabases;
}
