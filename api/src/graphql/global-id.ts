// Relay global IDs: base64("Type:id"). Decoding also checks the id's shape for its type, so a
// well-encoded but malformed id ("Campaign:x") is a NotFoundError instead of a database error.
import { decodeGlobalID as decodeRelayId } from '@pothos/plugin-relay';
import { NotFoundError } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256 = /^[0-9a-f]{64}$/;
const ID_SHAPES: Record<string, RegExp> = { Account: UUID, Campaign: UUID, Task: UUID, Worker: UUID, Artifact: SHA256 };

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
