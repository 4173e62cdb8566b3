import type { ReviewState } from '../../gql/graphql';

const LABEL: Record<ReviewState, string> = { APPROVED: 'approved', PENDING_REVIEW: 'pending review', REJECTED: 'rejected' };

/** A script's review state: approved scripts run on any worker; others only on their owner's machines. */
export function ReviewBadge({ state }: { state: ReviewState }) {
  return (
    <span className={`review review--${state.toLowerCase().replace('_', '-')}`} data-testid="review-state">
      {LABEL[state]}
    </span>
  );
}
