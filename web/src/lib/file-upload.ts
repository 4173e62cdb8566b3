// A GraphQL mutation that carries a file, sent with the GraphQL multipart request spec: a plain
// fetch with FormData (operations, map, and the file as part "0"), since Apollo's HTTP link sends
// no files. graphql-yoga reads it natively. Callers turn the answer into their own outcome.
import { type DocumentNode, print } from 'graphql';
import { GRAPHQL_PATH } from './endpoints';

export type FileMutationAnswer<TData> =
  | { kind: 'unreachable' }
  /** `unauthenticated`: the API rejected the token; the caller signs out, as the Apollo link does. */
  | { kind: 'unauthenticated' }
  | {
      kind: 'answered';
      status: number;
      data: TData | null;
      errors: { message: string; extensions?: { code?: string; limitBytes?: number } }[];
    };

export async function postFileMutation<TData>(
  token: string,
  document: DocumentNode,
  operationName: string,
  variables: Record<string, unknown>,
  file: File,
  fetchImpl: typeof fetch = fetch,
): Promise<FileMutationAnswer<TData>> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(document), operationName, variables: { ...variables, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file, file.name);
  let response: Response;
  try {
    response = await fetchImpl(GRAPHQL_PATH, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  } catch {
    return { kind: 'unreachable' };
  }
  type Body = { data?: TData | null; errors?: { message: string; extensions?: { code?: string; limitBytes?: number } }[] };
  const body = (await response.json().catch(() => null)) as Body | null;
  const errors = body?.errors ?? [];
  if (response.status === 401 || errors.some((error) => error.extensions?.code === 'UNAUTHENTICATED')) return { kind: 'unauthenticated' };
  return { kind: 'answered', status: response.status, data: body?.data ?? null, errors };
}
