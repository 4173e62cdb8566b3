// What to tell a person when a dataset is registered but its bytes have not arrived: the launcher's
// banner, the API's dataset listing (Artifact.unavailableReason) and `npm run demo` all say this.
import type { Env } from '../../env.ts';
import { TINYSHAKESPEARE } from './artifact-registry.ts';

export function unavailableDatasetHelp(
  dataset: { name: string; sourceUrl?: string | null },
  env: Pick<Env, 'XEENET_FETCH_DATASETS' | 'XEENET_DATASETS_DIR'>,
): string {
  const fetched = env.XEENET_FETCH_DATASETS
    ? `it could not be fetched from ${dataset.sourceUrl ?? 'its public URL'}`
    : 'fetching datasets is turned off (XEENET_FETCH_DATASETS=false)';
  if (dataset.name !== TINYSHAKESPEARE.name) return `${dataset.name} is not available: ${fetched}.`;
  const where = env.XEENET_DATASETS_DIR
    ? `${env.XEENET_DATASETS_DIR} has no ${TINYSHAKESPEARE.fileName} with the right SHA-256`
    : 'XEENET_DATASETS_DIR is not set';
  return (
    `TinyShakespeare is not available: ${fetched}, and ${where}. ` +
    `Put ${TINYSHAKESPEARE.fileName} (${TINYSHAKESPEARE.sizeBytes} bytes, SHA-256 ${TINYSHAKESPEARE.sha256}) in a folder, ` +
    `set XEENET_DATASETS_DIR to that folder and restart, or upload the file as a dataset.`
  );
}
