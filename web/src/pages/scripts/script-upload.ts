// Script upload: a file-carrying mutation (lib/file-upload.ts), answered as a typed outcome.
import { graphql } from '../../gql';
import type { UploadScriptInput, UploadScriptMutation } from '../../gql/graphql';
import { postFileMutation } from '../../lib/file-upload';

const UploadScriptDoc = graphql(`
  mutation UploadScript($input: UploadScriptInput!, $file: File!) {
    uploadScript(input: $input, file: $file) {
      __typename
      ... on MutationUploadScriptSuccess {
        data {
          id
          name
          reviewState
        }
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

export type ScriptUploadOutcome =
  | { ok: true; id: string; name: string }
  | { ok: false; message: string; fieldErrors?: { path: string[]; message: string }[]; unauthenticated?: boolean };

export async function uploadScript(token: string, input: UploadScriptInput, file: File, fetchImpl: typeof fetch = fetch): Promise<ScriptUploadOutcome> {
  const answer = await postFileMutation<UploadScriptMutation>(token, UploadScriptDoc, 'UploadScript', { input }, file, fetchImpl);
  if (answer.kind === 'unreachable') return { ok: false, message: 'The upload could not reach the API. Check your connection, then try again.' };
  if (answer.kind === 'unauthenticated') return { ok: false, unauthenticated: true, message: 'Your token was rejected. Sign in again, then upload.' };
  if (answer.status === 413) return { ok: false, message: `${file.name} is larger than the API accepts. Upload a smaller script.` };
  const result = answer.data?.uploadScript;
  if (!result) return { ok: false, message: `The upload failed: ${answer.errors.map((error) => error.message).join('; ') || `HTTP ${answer.status}`}.` };
  switch (result.__typename) {
    case 'MutationUploadScriptSuccess':
      return { ok: true, id: result.data.id, name: result.data.name };
    case 'ValidationError':
      return { ok: false, message: result.message, fieldErrors: result.fieldErrors };
    default:
      return { ok: false, message: result.message };
  }
}
