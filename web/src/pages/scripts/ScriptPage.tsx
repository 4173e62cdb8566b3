// One training script: its source, the diff against the script it was edited from, its review
// state (approve or reject for reviewers), its signature and checks, and the campaigns that used it.
import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { graphql } from '../../gql';
import { formatDateTime } from '../../lib/format';
import { ReviewBadge } from './ReviewBadge';

const ScriptDetail = graphql(`
  query ScriptDetail($id: ID!) {
    script(id: $id) {
      id
      name
      version
      description
      reviewState
      reviewReason
      reviewedAt
      reviewedBy {
        id
        name
      }
      trust
      builtin
      sha256
      signature
      signingKeyId
      createdAt
      source
      diff
      owner {
        id
        name
      }
      parent {
        id
        name
        version
      }
      campaigns {
        id
        name
        status
      }
    }
    me {
      id
      role
    }
  }
`);

const ApproveScript = graphql(`
  mutation ApproveScript($id: ID!) {
    approveScript(id: $id) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);

const RejectScript = graphql(`
  mutation RejectScript($id: ID!, $reason: String!) {
    rejectScript(id: $id, reason: $reason) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);

/** A unified diff with added and removed lines marked for the eye (and for screen readers by their sign). */
function Diff({ text }: { text: string }) {
  return (
    <pre className="code diff" data-testid="script-diff">
      {text.split('\n').map((line, i) => (
        <span key={i} className={line.startsWith('+') && !line.startsWith('+++') ? 'diff__add' : line.startsWith('-') && !line.startsWith('---') ? 'diff__del' : undefined}>
          {line}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

export default function ScriptPage() {
  const { id = '' } = useParams();
  const { data, error, refetch } = useQuery(ScriptDetail, { variables: { id } });
  const [approve, approving] = useMutation(ApproveScript);
  const [reject, rejecting] = useMutation(RejectScript);
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<string | null>(null);

  if (error && !data) return <ErrorNotice error={error} what="the script" onRetry={() => void refetch()} />;
  if (!data) return <Loading what="the script" />;
  const script = data.script;
  if (!script) {
    return (
      <EmptyState title="Script not found" action={<Link className="button" to="/scripts">All scripts</Link>}>
        <p>It does not exist, or it is not approved and not yours.</p>
      </EmptyState>
    );
  }
  const reviewer = data.me?.role === 'REVIEWER' || data.me?.role === 'ADMIN';
  const pending = script.reviewState === 'PENDING_REVIEW';

  async function decide(kind: 'approve' | 'reject') {
    if (!script) return;
    setMessage(null);
    const result =
      kind === 'approve'
        ? (await approve({ variables: { id: script.id } })).data?.approveScript
        : (await reject({ variables: { id: script.id, reason } })).data?.rejectScript;
    if (result && 'message' in result) setMessage(result.message);
    await refetch();
  }

  return (
    <article aria-labelledby="script-title">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/scripts">Scripts</Link> <span aria-hidden="true">›</span> <span aria-current="page">{script.name}</span>
      </nav>
      <header className="page-head">
        <div>
          <h1 id="script-title">
            {script.name} <span className="muted small">v{script.version}</span> <ReviewBadge state={script.reviewState} />
          </h1>
          <p className="muted small">
            {script.builtin ? 'built in' : `by ${script.owner?.name ?? 'unknown'}`} · uploaded {formatDateTime(script.createdAt)} · trust {script.trust.toLowerCase()}
            {script.reviewedBy && ` · reviewed by ${script.reviewedBy.name} ${formatDateTime(script.reviewedAt)}`}
          </p>
        </div>
      </header>
      <p>{script.description}</p>
      {script.reviewState === 'REJECTED' && script.reviewReason && (
        <p className="notice notice--warning" data-testid="review-reason">
          Rejected: {script.reviewReason}
        </p>
      )}
      {pending && <p className="notice">Pending review: until a reviewer approves it, it runs only in its owner’s own-machines campaigns.</p>}
      {message && (
        <p className="notice notice--error" role="alert">
          {message}
        </p>
      )}
      {reviewer && pending && (
        <section className="card" aria-label="Review">
          <div className="field">
            <label htmlFor="reject-reason">Reason (for a rejection)</label>
            <textarea id="reject-reason" rows={2} value={reason} onChange={(event) => setReason(event.target.value)} />
          </div>
          <div className="page-head__actions">
            <button type="button" className="button button--primary" disabled={approving.loading} onClick={() => void decide('approve')}>
              Approve and sign
            </button>
            <button type="button" className="button button--danger" disabled={rejecting.loading || !reason.trim()} onClick={() => void decide('reject')}>
              Reject
            </button>
          </div>
        </section>
      )}
      <dl className="facts">
        <dt>SHA-256</dt>
        <dd>
          <code>{script.sha256}</code>
        </dd>
        <dt>Signature</dt>
        <dd>{script.signature ? `signed (key ${script.signingKeyId ?? 'unknown'})` : 'not signed'}</dd>
        {script.parent && (
          <>
            <dt>Edited from</dt>
            <dd>
              <Link to={`/scripts/${encodeURIComponent(script.parent.id)}`}>
                {script.parent.name} v{script.parent.version}
              </Link>
            </dd>
          </>
        )}
        <dt>Campaigns</dt>
        <dd>
          {script.campaigns.length === 0
            ? 'none yet'
            : script.campaigns.map((campaign, i) => (
                <span key={campaign.id}>
                  {i > 0 && ', '}
                  <Link to={`/campaigns/${encodeURIComponent(campaign.id)}`}>{campaign.name}</Link>
                </span>
              ))}
        </dd>
      </dl>
      {script.diff && (
        <section aria-labelledby="diff-title">
          <h2 id="diff-title">Changes from {script.parent?.name ?? 'its parent'}</h2>
          <Diff text={script.diff} />
        </section>
      )}
      <section aria-labelledby="source-title">
        <h2 id="source-title">Source</h2>
        <pre className="code" data-testid="script-source">
          {script.source}
        </pre>
      </section>
    </article>
  );
}
