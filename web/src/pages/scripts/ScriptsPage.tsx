// Training scripts: the ones the caller may see, the review queue (reviewers and admins), and the
// upload of a new one (pending review: until approved it runs only on its owner's own machines).
import { useQuery } from '@apollo/client/react';
import { type FormEvent, useId, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useSession } from '../../auth/session';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field } from '../../components/Field';
import { Loading } from '../../components/Loading';
import { graphql } from '../../gql';
import type { BudgetKind, ScriptListItemFragment } from '../../gql/graphql';
import { formatDateTime } from '../../lib/format';
import { ReviewBadge } from './ReviewBadge';
import { uploadScript } from './script-upload';

export const ScriptListItem = graphql(`
  fragment ScriptListItem on Script {
    id
    name
    version
    description
    reviewState
    trust
    builtin
    createdAt
    owner {
      id
      name
    }
  }
`);

const ScriptsQuery = graphql(`
  query Scripts($reviewer: Boolean!) {
    scripts(first: 100) {
      totalCount
      edges {
        node {
          ...ScriptListItem
        }
      }
    }
    reviewQueue(first: 50) @include(if: $reviewer) {
      totalCount
      edges {
        node {
          ...ScriptListItem
        }
      }
    }
    me {
      id
      role
    }
  }
`);

const ScriptsMe = graphql(`
  query ScriptsMe {
    me {
      id
      role
    }
  }
`);

function ScriptTable({ scripts, caption }: { scripts: readonly ScriptListItemFragment[]; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="table table--stack">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Script</th>
            <th scope="col">Review</th>
            <th scope="col">Owner</th>
            <th scope="col">Uploaded</th>
          </tr>
        </thead>
        <tbody>
          {scripts.map((script) => (
            <tr key={script.id} data-testid="script-row">
              <td data-label="Script">
                <Link to={`/scripts/${encodeURIComponent(script.id)}`} className="strong">
                  {script.name}
                </Link>{' '}
                <span className="muted small">v{script.version}</span>
                <div className="muted small truncate">{script.description}</div>
              </td>
              <td data-label="Review">
                <ReviewBadge state={script.reviewState} />
              </td>
              <td data-label="Owner">{script.builtin ? 'built in' : (script.owner?.name ?? '—')}</td>
              <td data-label="Uploaded">{formatDateTime(script.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function UploadScriptForm({ onUploaded }: { onUploaded: (id: string) => void }) {
  const { token, signOut } = useSession();
  const id = useId();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [space, setSpace] = useState('{"lr": {"type": "loguniform", "low": 0.0003, "high": 0.01}}');
  const [kinds, setKinds] = useState<BudgetKind[]>(['WALL']);
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local: Record<string, string> = {};
    let searchSpace: unknown = null;
    try {
      searchSpace = JSON.parse(space);
    } catch {
      local.searchSpace = 'This is not valid JSON.';
    }
    if (!file) local.file = 'Choose the .py file.';
    if (kinds.length === 0) local.budgetKinds = 'Choose at least one budget kind.';
    setErrors(local);
    setMessage(null);
    if (Object.keys(local).length || !file || !token) return;
    setBusy(true);
    const outcome = await uploadScript(token, { name, description, searchSpace, budgetKinds: kinds }, file);
    setBusy(false);
    if (outcome.ok) {
      onUploaded(outcome.id);
      return;
    }
    if (outcome.unauthenticated) signOut(outcome.message);
    setErrors(Object.fromEntries((outcome.fieldErrors ?? []).map((error) => [error.path[0] ?? 'file', error.message])));
    setMessage(outcome.message);
  }

  const toggle = (kind: BudgetKind, on: boolean) => setKinds((current) => (on ? [...new Set([...current, kind])] : current.filter((k) => k !== kind)));
  return (
    <form className="card brief__section" onSubmit={(event) => void submit(event)} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Upload a script</h2>
      <p className="muted small">
        It stays pending until a reviewer approves (and signs) it; meanwhile it runs only in your own-machines campaigns.
      </p>
      {message && (
        <p className="notice notice--error" role="alert">
          {message}
        </p>
      )}
      <Field id={`${id}-name`} label="Script name" error={errors.name} hint="Lowercase letters, digits and dashes.">
        <input value={name} onChange={(event) => setName(event.target.value)} />
      </Field>
      <Field id={`${id}-description`} label="What it trains and reports" error={errors.description}>
        <textarea rows={2} value={description} onChange={(event) => setDescription(event.target.value)} />
      </Field>
      <Field id={`${id}-space`} label="Default search space (JSON)" error={errors.searchSpace}>
        <textarea rows={2} spellCheck={false} value={space} onChange={(event) => setSpace(event.target.value)} />
      </Field>
      <fieldset className="field">
        <legend>Budget kinds</legend>
        {(['WALL', 'COMPUTE'] as const).map((kind) => (
          <label key={kind} className="field--check">
            <input type="checkbox" checked={kinds.includes(kind)} onChange={(event) => toggle(kind, event.target.checked)} /> {kind === 'WALL' ? 'Wall seconds' : 'Compute'}
          </label>
        ))}
        {errors.budgetKinds && <p className="field__error">{errors.budgetKinds}</p>}
      </fieldset>
      <Field id={`${id}-file`} label="Python file" error={errors.file}>
        <input type="file" accept=".py,text/x-python" onChange={(event) => setFile(event.target.files?.[0] ?? null)} />
      </Field>
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? 'Uploading…' : 'Upload for review'}
      </button>
    </form>
  );
}

export function ScriptsPage() {
  const id = useId();
  const navigate = useNavigate();
  const { token } = useSession();
  const me = useQuery(ScriptsMe, { skip: token === null });
  const role = me.data?.me?.role;
  const reviewer = role === 'REVIEWER' || role === 'ADMIN';
  const { data, error, refetch } = useQuery(ScriptsQuery, { variables: { reviewer }, skip: token !== null && !me.data });
  const scripts = data?.scripts.edges.map((edge) => edge.node) ?? [];
  const queue = data?.reviewQueue?.edges.map((edge) => edge.node) ?? [];
  return (
    <section aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Training scripts</h1>
      </div>
      {error && !data && <ErrorNotice error={error} what="the scripts" onRetry={() => void refetch()} />}
      {!data && !error && <Loading what="the scripts" />}
      {reviewer && data && (
        <section aria-labelledby={`${id}-queue`} data-testid="review-queue">
          <h2 id={`${id}-queue`}>Review queue ({data.reviewQueue?.totalCount ?? 0})</h2>
          {queue.length === 0 ? <p className="muted">Nothing waits for review.</p> : <ScriptTable scripts={queue} caption="Scripts waiting for review, oldest first" />}
        </section>
      )}
      {data && (
        <section aria-labelledby={`${id}-all`}>
          <h2 id={`${id}-all`}>Scripts</h2>
          {scripts.length === 0 ? (
            <EmptyState title="No scripts you can see" />
          ) : (
            <ScriptTable scripts={scripts} caption="Training scripts you can see, newest first" />
          )}
        </section>
      )}
      {token && role !== 'WORKER' && <UploadScriptForm onUploaded={(scriptId) => void navigate(`/scripts/${encodeURIComponent(scriptId)}`)} />}
    </section>
  );
}
