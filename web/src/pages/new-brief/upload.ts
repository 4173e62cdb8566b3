// Dataset upload with the GraphQL multipart request spec: a plain fetch with FormData
// (operations, map, and the file as part "0"). graphql-yoga reads it natively.
import { print } from 'graphql';
import { graphql } from '../../gql';
import type { UploadDatasetMutation } from '../../gql/graphql';
import { GRAPHQL_PATH } from '../../lib/endpoints';

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
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(UploadDatasetMutationDoc), operationName: 'UploadDataset', variables: { name, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file, file.name);

  let response: Response;
  try {
    response = await fetchImpl(GRAPHQL_PATH, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  } catch {
    return { ok: false, message: 'The upload could not reach the API. Check your connection and that the API is running, then try again.' };
  }
  type Body = { data?: UploadDatasetMutation | null; errors?: { message: string; extensions?: { limitBytes?: number; code?: string } }[] };
  let body: Body | null = null;
  try {
    body = (await response.json()) as Body;
  } catch {
    // handled below
  }
  if (response.status === 413) {
    const limit = body?.errors?.[0]?.extensions?.limitBytes;
    return {
      ok: false,
      message: `${file.name} (${megabytes(file.size)}) is larger than the API accepts${limit ? ` (${megabytes(limit)})` : ''}. Upload a smaller text file.`,
    };
  }
  if (response.status === 401 || body?.errors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED')) {
    return { ok: false, unauthenticated: true, message: 'Your token was rejected. Sign in again, then upload.' };
  }
  const result = body?.data?.uploadDataset;
  if (!result) {
    const message = body?.errors?.map((error) => error.message).join('; ') ?? `HTTP ${response.status}`;
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
