// Relay global IDs: base64("Type:id"). Decoding also checks the id's shape for its type, so a
// well-encoded but malformed id ("Campaign:x") is a NotFoundError instead of a database error.
import { decodeGlobalID as decodeRelayId } from '@pothos/plugin-relay';
import { NotFoundError } from '../errors.ts';
import { SHA256_PATTERN, UUID_PATTERN } from '../modules/validation.ts';

const ID_SHAPES: Record<string, RegExp> = {
  Account: UUID_PATTERN,
  Campaign: UUID_PATTERN,
  Task: UUID_PATTERN,
  Worker: UUID_PATTERN,
  Script: UUID_PATTERN,
  Artifact: SHA256_PATTERN,
};

export function parseGlobalId(globalId: string): { typename: string; id: string } {
  let decoded: { typename: string; id: string } | null = null;
  try {
    decoded = decodeRelayId(globalId);
  } catch {
    // reported below
  }
  const shape = decoded && ID_SHAPES[decoded.typename];
  if (!decoded || !shape?.test(decoded.id)) throw new NotFoundError('node', `${globalId} is not a valid id`);
  return decoded;
}

/** Decodes a global ID of the expected type; anything else is a NotFoundError. */
export function decodeId(globalId: string, typename: string): string {
  const decoded = parseGlobalId(globalId);
  if (decoded.typename !== typename) throw new NotFoundError(typename.toLowerCase(), `${globalId} is not a ${typename} id`);
  return decoded.id;
}
