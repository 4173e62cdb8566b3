import { type ChangeEvent, useState } from 'react';
import { Field } from '../../components/Field';
import { TOKEN_REJECTED, useSession } from '../../auth/session';
import { graphql } from '../../gql';
import type { DatasetOptionFragment } from '../../gql/graphql';
import { uploadDataset } from './upload';

export const DatasetOption = graphql(`
  fragment DatasetOption on Artifact {
    id
    sha256
    name
    title
    sizeBytes
    available
    unavailableReason
  }
`);

interface Props {
  datasets: readonly DatasetOptionFragment[];
  value: string;
  onChange: (sha256: string) => void;
  error?: string;
  /** Called after an upload so the list can be refetched; resolves when it has been. */
  onUploaded: (sha256: string) => Promise<void>;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function DatasetPicker({ datasets, value, onChange, error, onUploaded }: Props) {
  const { token, signOut } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [status, setStatus] = useState<{ kind: 'busy' | 'done' | 'error'; text: string } | null>(null);

  function pick(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.target.files?.[0] ?? null;
    setFile(chosen);
    setStatus(null);
    if (chosen && !name) setName(chosen.name.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 60));
  }

  async function upload() {
    if (!file || !token) return;
    if (!name.trim()) {
      setStatus({ kind: 'error', text: 'Give the dataset a name before uploading.' });
      return;
    }
    setStatus({ kind: 'busy', text: `Uploading ${file.name}…` });
    const outcome = await uploadDataset(token, name.trim(), file);
    if (!outcome.ok) {
      // Like a 401 on any other request: the token is gone, so is the session.
      if (outcome.unauthenticated) signOut(TOKEN_REJECTED);
      else setStatus({ kind: 'error', text: outcome.message });
      return;
    }
    await onUploaded(outcome.sha256);
    onChange(outcome.sha256);
    setStatus({ kind: 'done', text: `Uploaded "${outcome.name}" and selected it.` });
    setFile(null);
    setName('');
  }

  return (
    <div className="dataset">
      <Field id="brief-dataset" label="Dataset" error={error} hint="Text the script trains on; the last 10% is held out for val_bpb.">
        <select value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="" disabled>
            Choose a dataset
          </option>
          {datasets.map((dataset) => (
            <option key={dataset.sha256} value={dataset.sha256} disabled={!dataset.available}>
              {dataset.title} ({size(dataset.sizeBytes)}){dataset.available ? '' : ' — not downloaded yet'}
            </option>
          ))}
        </select>
      </Field>
      {datasets
        .filter((dataset) => !dataset.available && dataset.unavailableReason)
        .map((dataset) => (
          <p key={dataset.sha256} className="muted small dataset__missing">
            {dataset.unavailableReason}
          </p>
        ))}
      <details className="dataset__upload">
        <summary>Upload a dataset</summary>
        <div className="dataset__upload-body">
          <Field id="upload-file" label="UTF-8 text file">
            <input type="file" accept=".txt,text/plain" onChange={pick} />
          </Field>
          <Field id="upload-name" label="Dataset name">
            <input value={name} onChange={(event) => setName(event.target.value)} spellCheck={false} />
          </Field>
          <button type="button" className="button" onClick={() => void upload()} disabled={!file || status?.kind === 'busy'}>
            Upload
          </button>
          {status && (
            <p className={status.kind === 'error' ? 'field__error' : 'muted'} role={status.kind === 'error' ? 'alert' : 'status'}>
              {status.text}
            </p>
          )}
        </div>
      </details>
    </div>
  );
}
