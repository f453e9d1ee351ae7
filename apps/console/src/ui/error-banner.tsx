import { errorMessage } from "../lib/errors";
import { Button } from "./button";

export function ErrorBanner({
  error,
  title,
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}) {
  return (
    <div className="banner banner-fail" role="alert">
      <span className="banner-glyph" aria-hidden="true">
        ✕
      </span>
      <div className="banner-body">
        {title ? <strong>{title}</strong> : null}
        <p>{errorMessage(error)}</p>
      </div>
      {onRetry ? (
        <Button size="sm" onClick={onRetry}>
          Try again
        </Button>
      ) : null}
    </div>
  );
}
