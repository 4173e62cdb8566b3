// First contact: registerWorker over plain HTTP (there is no token for a socket yet).
import type { RegisterWorkerMutation, RegisterWorkerMutationVariables } from '../gql/graphql.ts';
import { ServerError, TransportError } from './client.ts';
import { describeError, type HardwareInput, isSuccess, REGISTER_WORKER } from './documents.ts';
import type { ServerUrls } from './server.ts';

export type { HardwareInput };

export interface RegistrationInput {
  name: string;
  hardware: HardwareInput;
  simulated: boolean;
  slots: number;
}

/** The server said no (registration closed, invalid input): retrying the same request cannot help. */
export class RegistrationRefusedError extends Error {
  override name = 'RegistrationRefusedError';
}

export async function registerWorker(
  urls: ServerUrls,
  input: RegistrationInput,
  accountToken: string | null,
  signal?: AbortSignal,
): Promise<{ token: string; workerId: string; name: string; accountId: string; signingKey: { keyId: string; publicKeyPem: string } | null }> {
  const variables: RegisterWorkerMutationVariables = { input };
  const body = JSON.stringify({ query: String(REGISTER_WORKER), variables });
  let response: Response;
  try {
    response = await fetch(urls.graphqlHttp, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(accountToken ? { authorization: `Bearer ${accountToken}` } : {}),
      },
      body,
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new TransportError(`cannot reach ${urls.graphqlHttp}: ${cause ?? (error as Error).message}`);
  }
  let payload: { data?: RegisterWorkerMutation; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    payload = (await response.json()) as typeof payload;
  } catch {
    if (response.status >= 500) throw new TransportError(`the server answered HTTP ${response.status}`);
    throw new ServerError([{ message: `the server answered HTTP ${response.status} without a GraphQL response; is ${urls.base} a XeeNet API?` }]);
  }
  if (payload.errors?.length) {
    if (payload.errors.some((error) => error.extensions?.code === 'UNAUTHENTICATED')) {
      throw new RegistrationRefusedError('the server does not know the token given with --token (or XEENET_TOKEN)');
    }
    if (response.status >= 500) throw new TransportError(`the server failed: ${payload.errors[0]!.message}`);
    throw new ServerError(payload.errors);
  }
  const result = payload.data?.registerWorker;
  if (!result) throw new ServerError([{ message: 'registerWorker returned nothing' }]);
  if (!isSuccess(result)) throw new RegistrationRefusedError(`registration refused: ${describeError(result)}`);
  return {
    token: result.data.token,
    workerId: result.data.worker.id,
    name: result.data.worker.name,
    accountId: result.data.worker.owner.id,
    signingKey: result.data.signingKey,
  };
}
