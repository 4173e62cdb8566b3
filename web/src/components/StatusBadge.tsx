import type { CampaignStatus, TaskStatus } from '../gql/graphql';

const LABELS: Record<CampaignStatus | TaskStatus, string> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
  QUEUED: 'queued',
  LEASED: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
};

export function StatusBadge({ status }: { status: CampaignStatus | TaskStatus }) {
  return <span className={`badge badge--${status.toLowerCase()}`}>{LABELS[status]}</span>;
}

export function SimulatedMarker() {
  return (
    <span className="badge badge--simulated" title="Produced by a --simulate worker: not a real training run, excluded from the statistics">
      simulated
    </span>
  );
}
