import type { UserConfig } from "tsdown";

export function appConfig(entry: Record<string, string>): UserConfig;
