export * from "./catalog.service";
