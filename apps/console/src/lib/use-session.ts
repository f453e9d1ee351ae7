import { createContext, useContext, useSyncExternalStore } from "react";
import type { TSessionUser } from "@radha/core/security/schema";
import { getSession, subscribeSession, type SessionState } from "./session";

export function useSession(): SessionState {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}

/** Provided by the authenticated shell, so pages never see a half-ended session. */
export const CurrentUserContext = createContext<TSessionUser | null>(null);

export function useCurrentUser(): TSessionUser {
  const user = useContext(CurrentUserContext);
  if (!user) throw new Error("useCurrentUser outside the signed-in shell");
  return user;
}
