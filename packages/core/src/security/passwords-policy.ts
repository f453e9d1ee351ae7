// The password policy: at least 12 characters and not guessable (zxcvbn with the common
// password and name lists: score 3 of 4 or better, the person's own email and name counted).
import type { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { DomainError } from "../errors";

export const PASSWORD_MIN_LENGTH = 12;
const MIN_SCORE = 3;

// Loaded on first use: the dictionaries are megabytes, and most processes (every CLI command)
// never check a password.
let factory: Promise<ZxcvbnFactory> | undefined;
const strength = () =>
  (factory ??= Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common")]).then(
    ([core, common]) =>
      new core.ZxcvbnFactory({ dictionary: common.dictionary, graphs: common.adjacencyGraphs }),
  ));

const WARNINGS: Record<string, string> = {
  simpleRepeat: "it repeats characters",
  extendedRepeat: "it repeats a pattern",
  sequences: "it is a sequence like abc or 1234",
  similarToCommon: "it is close to a common password",
  topTen: "it is one of the most common passwords",
  topHundred: "it is a very common password",
  common: "it is a common password",
  dates: "it is mostly a date",
  recentYears: "it is mostly a recent year",
  userInputs: "it contains your name or email",
  namesByThemselves: "it is mostly a name",
  keyPattern: "it is a keyboard pattern",
};

/** Why `password` is refused, or null when it passes. */
export async function passwordProblem(
  password: string,
  userInputs: readonly string[] = [],
): Promise<string | null> {
  if (Array.from(password).length < PASSWORD_MIN_LENGTH)
    return `Passwords need at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.trim().length < PASSWORD_MIN_LENGTH) return "Passwords cannot be mostly spaces";
  // zxcvbn's cost grows with length; what is past 100 characters adds nothing to the verdict.
  const inputs = userInputs.flatMap((u) => [u, ...u.split(/[@.\s_-]+/)]).filter((u) => u.length >= 3);
  const result = (await strength()).check(password.slice(0, 100), inputs);
  if (result.score >= MIN_SCORE) return null;
  const why = result.feedback.warning ? WARNINGS[result.feedback.warning] : undefined;
  return `This password is too easy to guess${why ? ` (${why})` : ""}; use a longer passphrase of unrelated words`;
}

/** Throws BAD_REQUEST naming the field when `password` breaks the policy. */
export async function assertPasswordPolicy(
  password: string,
  userInputs: readonly string[] = [],
  field = "password",
): Promise<void> {
  const problem = await passwordProblem(password, userInputs);
  if (problem) throw new DomainError("BAD_REQUEST", `${field}: ${problem}`);
}
