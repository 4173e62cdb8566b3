// Script upload with the GraphQL multipart request spec, as the dataset upload does: a plain
// fetch with FormData (operations, map, and the .py file as part "0").
import { print } from 'graphql';
import { graphql } from '../../gql';
import type { UploadScriptInput, UploadScriptMutation } from '../../gql/graphql';
import { GRAPHQL_PATH } from '../../lib/endpoints';

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
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(UploadScriptDoc), operationName: 'UploadScript', variables: { input, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file, file.name);
  let response: Response;
  try {
    response = await fetchImpl(GRAPHQL_PATH, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  } catch {
    return { ok: false, message: 'The upload could not reach the API. Check your connection, then try again.' };
  }
  type Body = { data?: UploadScriptMutation | null; errors?: { message: string; extensions?: { code?: string } }[] };
  const body = (await response.json().catch(() => null)) as Body | null;
  if (response.status === 401 || body?.errors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED')) {
    return { ok: false, unauthenticated: true, message: 'Your token was rejected. Sign in again, then upload.' };
  }
  if (response.status === 413) return { ok: false, message: `${file.name} is larger than the API accepts. Upload a smaller script.` };
  const result = body?.data?.uploadScript;
  if (!result) return { ok: false, message: `The upload failed: ${body?.errors?.map((error) => error.message).join('; ') ?? `HTTP ${response.status}`}.` };
  switch (result.__typename) {
    case 'MutationUploadScriptSuccess':
      return { ok: true, id: result.data.id, name: result.data.name };
    case 'ValidationError':
      return { ok: false, message: result.message, fieldErrors: result.fieldErrors };
    default:
      return { ok: false, message: result.message };
  }
}
