import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEnvLoader, databaseEnv, parseEnv } from "./env";

const ZEnv = z.object({ ...databaseEnv, PORT: z.coerce.number().int().default(3000) });

describe("parseEnv", () => {
  it("reads blank as unset and applies defaults", () => {
    expect(parseEnv(ZEnv, { DATABASE_URL: "  ", PORT: "8080" })).toEqual({
      DATABASE_URL: undefined,
      OPS_DATA_DIR: undefined,
      OPS_EMBEDDED_PG_PORT: 54329,
      PORT: 8080,
    });
  });

  it("names every variable at fault, one per line", () => {
    expect(() => parseEnv(ZEnv, { OPS_EMBEDDED_PG_PORT: "0", PORT: "eighty" })).toThrow(
      /^Invalid environment:\n {2}OPS_EMBEDDED_PG_PORT: .+\n {2}PORT: .+$/,
    );
  });
});

describe("createEnvLoader", () => {
  it("parses the environment once, and afresh with overrides on top", () => {
    let reads = 0;
    const loadEnv = createEnvLoader(ZEnv, () => {
      reads++;
      return { PORT: "4000" };
    });
    expect(loadEnv().PORT).toBe(4000);
    expect(loadEnv()).toBe(loadEnv());
    expect(reads).toBe(1);
    expect(loadEnv({ OPS_DATA_DIR: "/tmp/x" })).toMatchObject({ PORT: 4000, OPS_DATA_DIR: "/tmp/x" });
  });
});
