// The platform signing key as the server publishes it (/.well-known/xeenet-signing-key), and this
// machine's account: what a credential pins when it was registered before script signing existed.
import { publicKeyFromPem } from '@xeenet/contract/signing';
import { ME } from './documents.ts';
import type { ServerUrls } from './server.ts';

export const SIGNING_KEY_PATH = '/.well-known/xeenet-signing-key';

export interface PublishedKey {
  keyId: string;
  publicKeyPem: string;
}

/** The published key; null when the server publishes none (404, an older server) or cannot be reached. */
export async function fetchSigningKey(urls: ServerUrls, signal?: AbortSignal): Promise<PublishedKey | null> {
  try {
    const response = await fetch(`${urls.base}${SIGNING_KEY_PATH}`, {
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(15_000)]) : AbortSignal.timeout(15_000),
    });
    if (!response.ok) return null;
    const body = (await response.json()) as Partial<PublishedKey>;
    if (typeof body.keyId !== 'string' || typeof body.publicKeyPem !== 'string') return null;
    publicKeyFromPem(body.publicKeyPem);
    return { keyId: body.keyId, publicKeyPem: body.publicKeyPem };
  } catch {
    return null;
  }
}

/** The account (global id) a worker token belongs to; null when it cannot be asked. */
export async function fetchAccountId(urls: ServerUrls, token: string, signal?: AbortSignal): Promise<string | null> {
  try {
    const response = await fetch(urls.graphqlHttp, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: String(ME) }),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(15_000)]) : AbortSignal.timeout(15_000),
    });
    const body = (await response.json()) as { data?: { me?: { id?: string } | null } };
    return body.data?.me?.id ?? null;
  } catch {
    return null;
  }
}
