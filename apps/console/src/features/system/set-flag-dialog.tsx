// The dialog that changes a system flag, with the reason the audit log records.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ZSetFlag, type TFlag } from "@radha/core/system/schema";
import { useTRPC } from "../../lib/trpc";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorBanner } from "../../ui/error-banner";
import { Field, fieldErrors } from "../../ui/field";
import { FlagValue } from "./flag-value";

export default function SetFlagDialog({ flag, onClose }: { flag: TFlag; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isBool = typeof flag.value === "boolean";
  const [numberText, setNumberText] = useState(String(flag.value));
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const setFlag = useMutation(
    trpc.system.setFlag.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.system.flags.queryKey() });
        onClose();
      },
    }),
  );

  function submit(e: React.SubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const value = isBool ? !flag.value : numberText.trim() === "" ? Number.NaN : Number(numberText);
    if (!isBool && !Number.isInteger(value)) {
      setErrors({ value: "Enter a whole number" });
      return;
    }
    const parsed = ZSetFlag.safeParse({ key: flag.key, value, reason });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    setFlag.mutate(parsed.data);
  }

  const title = isBool ? `${flag.value ? "Turn off" : "Turn on"} ${flag.key}?` : `Change ${flag.key}`;
  return (
    <Dialog open title={title} onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <p className="muted">{flag.description}</p>
        {isBool ? (
          <p>
            Current value: <FlagValue value={flag.value} /> → new value: <FlagValue value={!flag.value} />
          </p>
        ) : (
          <Field label="New value" error={errors.value}>
            {(p) => (
              <input
                {...p}
                type="number"
                inputMode="numeric"
                step={1}
                min={0}
                value={numberText}
                onChange={(e) => {
                  setNumberText(e.target.value);
                  setErrors(({ value: _, ...rest }) => rest);
                }}
              />
            )}
          </Field>
        )}
        <Field label="Reason" hint="Required. Recorded in the audit log." error={errors.reason}>
          {(p) => (
            <textarea
              {...p}
              name="reason"
              rows={3}
              autoFocus
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                setErrors(({ reason: _, ...rest }) => rest);
              }}
            />
          )}
        </Field>
        {setFlag.isError ? <ErrorBanner error={setFlag.error} /> : null}
        <div className="form-actions">
          <Button onClick={onClose}>Cancel</Button>
          <Button
            type="submit"
            variant={isBool && flag.value ? "danger" : "primary"}
            busy={setFlag.isPending}
          >
            {isBool ? (flag.value ? "Turn off" : "Turn on") : "Save"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
