import { explainError } from '../lib/errors';

interface Props {
  error: unknown;
  /** What was being loaded or done, e.g. "campaigns". */
  what: string;
  onRetry?: () => void;
}

/** A failure, in words: what happened and what to do. Announced to screen readers. */
export function ErrorNotice({ error, what, onRetry }: Props) {
  const { title, detail } = explainError(error, what);
  return (
    <div className="notice notice--error" role="alert">
      <p className="notice__title">{title}</p>
      <p>{detail}</p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
