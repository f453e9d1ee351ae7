// Security operations (admins): signing keys, sessions, webhook secrets, provider key checks and
// the provider key-rotation checklist. Thin: input, role, one core call.
import {
  abandonKeyRotation,
  checkProviders,
  completeRotationStep,
  listKeyRotations,
  listSessions,
  listSigningKeys,
  planDbPasswordRotation,
  revokeSessionsFor,
  revokeSigningKey,
  rotateDbPassword,
  rotateSigningKeys,
  startKeyRotation,
  withDbPasswordDeps,
} from "@radha/core/security";
import {
  ZAbandonRotation,
  ZAddWebhookSecret,
  ZCheckProviders,
  ZRevokeKey,
  ZRevokeSessions,
  ZRotateDbPassword,
  ZRotateKeys,
  ZRotationListInput,
  ZRotationStepInput,
  ZSessionListInput,
  ZStartRotation,
  ZWebhookSecretAction,
} from "@radha/core/secops/schema";
import {
  addWebhookSecret,
  expireWebhookSecret,
  listWebhookSecrets,
  revokeWebhookSecret,
  ZWebhookSecretListInput,
} from "@radha/core/webhooks";
import type { ApiDeps } from "../deps";
import { router, staffProcedure } from "../init";

const keyOps = (deps: ApiDeps) => ({
  db: deps.db,
  masterKey: deps.config.masterKey,
  accessTokenTtlSeconds: deps.config.accessTokenTtlSeconds,
  store: deps.store,
});
const secretOps = (deps: ApiDeps) => ({
  db: deps.db,
  masterKey: deps.config.masterKey,
  fromEnv: deps.config.webhookSecretsFromEnv,
  store: deps.store,
});

/** Database password rotation: this server's admin URL and credentials file (none: it explains and stops). */
const dbPassword = (deps: ApiDeps) => deps.config.dbPassword ?? {};

export const securityRouter = router({
  keys: staffProcedure("ADMIN").query(({ ctx }) => listSigningKeys(ctx.deps.db)),
  rotateKeys: staffProcedure("ADMIN")
    .input(ZRotateKeys)
    .mutation(({ ctx, input }) => rotateSigningKeys(keyOps(ctx.deps), ctx.actor, input)),
  revokeKey: staffProcedure("ADMIN")
    .input(ZRevokeKey)
    .mutation(({ ctx, input }) => revokeSigningKey(keyOps(ctx.deps), ctx.actor, input)),
  sessions: staffProcedure("ADMIN")
    .input(ZSessionListInput)
    .query(({ ctx, input }) => listSessions(ctx.deps.db, input)),
  revokeSessions: staffProcedure("ADMIN")
    .input(ZRevokeSessions)
    .mutation(({ ctx, input }) => revokeSessionsFor(ctx.deps.db, ctx.actor, input)),
  webhookSecrets: staffProcedure("ADMIN")
    .input(ZWebhookSecretListInput)
    .query(({ ctx, input }) => listWebhookSecrets(secretOps(ctx.deps), input)),
  addWebhookSecret: staffProcedure("ADMIN")
    .input(ZAddWebhookSecret)
    .mutation(({ ctx, input }) => addWebhookSecret(secretOps(ctx.deps), ctx.actor, input)),
  expireWebhookSecret: staffProcedure("ADMIN")
    .input(ZWebhookSecretAction)
    .mutation(({ ctx, input }) => expireWebhookSecret(secretOps(ctx.deps), ctx.actor, input)),
  revokeWebhookSecret: staffProcedure("ADMIN")
    .input(ZWebhookSecretAction)
    .mutation(({ ctx, input }) => revokeWebhookSecret(secretOps(ctx.deps), ctx.actor, input)),
  checkProviders: staffProcedure("ADMIN")
    .input(ZCheckProviders)
    .mutation(({ ctx }) => checkProviders(ctx.deps.db, ctx.actor, ctx.deps.config.providerCheck)),
  keyRotations: staffProcedure("ADMIN")
    .input(ZRotationListInput)
    .query(({ ctx, input }) => listKeyRotations(ctx.deps.db, input)),
  startKeyRotation: staffProcedure("ADMIN")
    .input(ZStartRotation)
    .mutation(({ ctx, input }) => startKeyRotation(ctx.deps.db, ctx.actor, input)),
  completeRotationStep: staffProcedure("ADMIN")
    .input(ZRotationStepInput)
    .mutation(({ ctx, input }) => completeRotationStep(ctx.deps.db, ctx.actor, input)),
  abandonKeyRotation: staffProcedure("ADMIN")
    .input(ZAbandonRotation)
    .mutation(({ ctx, input }) => abandonKeyRotation(ctx.deps.db, ctx.actor, input)),
  /** What `rotateDbPassword` would do here, the login roles and their sessions, or why it cannot run. */
  dbPassword: staffProcedure("ADMIN").query(({ ctx }) =>
    withDbPasswordDeps(dbPassword(ctx.deps), (deps) => planDbPasswordRotation(deps)),
  ),
  rotateDbPassword: staffProcedure("ADMIN")
    .input(ZRotateDbPassword)
    .mutation(({ ctx, input }) =>
      withDbPasswordDeps(dbPassword(ctx.deps), (deps) => rotateDbPassword(deps, ctx.actor, input)),
    ),
});
