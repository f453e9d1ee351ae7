import { describe, expect, it } from "vitest";
import { navItemsFor, safeNextPath } from "./nav";

const labels = (role: string) => navItemsFor(role).map((i) => i.label);

describe("navItemsFor", () => {
  it("shows viewers only the system page", () => {
    expect(labels("VIEWER")).toEqual(["System"]);
  });
  it("adds audit for operators", () => {
    expect(labels("OPERATOR")).toEqual(["System", "Audit"]);
  });
  it("shows admins everything", () => {
    expect(labels("ADMIN")).toEqual(["System", "Audit", "Users", "Service tokens"]);
  });
  it("shows nothing to unknown roles", () => {
    expect(labels("CUSTOMER")).toEqual([]);
  });
});

describe("safeNextPath", () => {
  it("keeps in-app paths with their query", () => {
    expect(safeNextPath("/audit?x=1")).toBe("/audit?x=1");
  });
  it("refuses other origins and the login page", () => {
    expect(safeNextPath("//evil.example")).toBe("/system");
    expect(safeNextPath("https://evil.example")).toBe("/system");
    expect(safeNextPath("/login")).toBe("/system");
    expect(safeNextPath(null)).toBe("/system");
  });
});
