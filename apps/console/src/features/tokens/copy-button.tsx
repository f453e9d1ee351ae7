import { useState } from "react";
import { Button } from "../../ui/button";

export function CopyButton({ text, what = "token" }: { text: string; what?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      // Clipboard needs a secure context or permission; the text stays selectable either way.
      setState("failed");
    }
  }
  return (
    <>
      <Button size="sm" variant="primary" onClick={() => void copy()}>
        {state === "copied" ? "Copied ✓" : `Copy ${what}`}
      </Button>
      <span className="sr-only" role="status">
        {state === "copied" ? `The ${what} is on the clipboard` : ""}
      </span>
      {state === "failed" ? (
        <span className="field-error">Copy failed: select the {what} and copy it by hand.</span>
      ) : null}
    </>
  );
}
