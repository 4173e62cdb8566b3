// Dataset upload: a file-carrying mutation (lib/file-upload.ts), answered as a typed outcome.
import { graphql } from '../../gql';
import type { UploadDatasetMutation } from '../../gql/graphql';
import { postFileMutation } from '../../lib/file-upload';

export const UploadDatasetMutationDoc = graphql(`
  mutation UploadDataset($name: String!, $file: File!) {
    uploadDataset(name: $name, file: $file) {
      __typename
      ... on MutationUploadDatasetSuccess {
        data {
          id
          sha256
          name
          title
          sizeBytes
          available
        }
      }
      ... on PayloadTooLargeError {
        limitBytes
      }
      ... on ValidationError {
        fieldErrors {
          path
          message
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

export type UploadOutcome =
  | { ok: true; sha256: string; name: string }
  /** `unauthenticated`: the API rejected the token; the caller signs out, as the Apollo link does. */
  | { ok: false; message: string; unauthenticated?: boolean };

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;
}

export async function uploadDataset(token: string, name: string, file: File, fetchImpl: typeof fetch = fetch): Promise<UploadOutcome> {
  const answer = await postFileMutation<UploadDatasetMutation>(token, UploadDatasetMutationDoc, 'UploadDataset', { name }, file, fetchImpl);
  if (answer.kind === 'unreachable') {
    return { ok: false, message: 'The upload could not reach the API. Check your connection and that the API is running, then try again.' };
  }
  if (answer.kind === 'unauthenticated') return { ok: false, unauthenticated: true, message: 'Your token was rejected. Sign in again, then upload.' };
  if (answer.status === 413) {
    const limit = answer.errors[0]?.extensions?.limitBytes;
    return {
      ok: false,
      message: `${file.name} (${megabytes(file.size)}) is larger than the API accepts${limit ? ` (${megabytes(limit)})` : ''}. Upload a smaller text file.`,
    };
  }
  const result = answer.data?.uploadDataset;
  if (!result) {
    const message = answer.errors.map((error) => error.message).join('; ') || `HTTP ${answer.status}`;
    return { ok: false, message: `The upload failed: ${message}. Try again, or check the API log.` };
  }
  switch (result.__typename) {
    case 'MutationUploadDatasetSuccess':
      return { ok: true, sha256: result.data.sha256, name: result.data.name };
    case 'PayloadTooLargeError':
      return { ok: false, message: `${file.name} (${megabytes(file.size)}) exceeds the ${megabytes(result.limitBytes)} limit. Upload a smaller file.` };
    case 'ValidationError':
      return {
        ok: false,
        message: result.fieldErrors.length
          ? result.fieldErrors.map((error) => `${error.path.join('.')}: ${error.message}`).join(' ')
          : result.message,
      };
    default:
      return { ok: false, message: result.message };
  }
}
