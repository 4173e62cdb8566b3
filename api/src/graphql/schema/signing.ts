// The platform's public signing key: what workers pin and verify script signatures with.
import type { PublicSigningKey } from '../../modules/signing/signing-key.ts';
import { SIGNING_KEY_PATH } from '../../modules/signing/signing-key.ts';
import { builder } from '../builder.ts';

export const SigningKeyRef = builder.objectRef<PublicSigningKey>('SigningKey').implement({
  description: `The platform's Ed25519 public key. Built-in and approved scripts are signed with it (the format is @xeenet/contract/signing); also served as JSON at ${SIGNING_KEY_PATH}.`,
  fields: (t) => ({
    keyId: t.exposeString('keyId', { description: '"ed25519:" and the first 16 hex digits of the SHA-256 of the raw public key; leases name it.' }),
    algorithm: t.exposeString('algorithm', { description: 'Always "ed25519".' }),
    publicKeyPem: t.exposeString('publicKeyPem', { description: 'The public key as SPKI PEM.' }),
    publicKeyBase64: t.exposeString('publicKeyBase64', { description: 'The raw 32-byte public key, base64.' }),
  }),
});

builder.queryField('signingKey', (t) =>
  t.field({
    type: SigningKeyRef,
    description: 'The public key script signatures verify against. Workers pin it when they register.',
    resolve: (_root, _args, ctx) => ctx.deps.signer.publicKey,
  }),
);
