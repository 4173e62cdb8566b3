// Who is calling: resolved once per HTTP request or once per WebSocket connection.
import type { Role } from '../../db/entities/account.entity.ts';
import { ForbiddenError, UnauthenticatedError } from '../../errors.ts';

export interface Viewer {
  accountId: string;
  name: string;
  role: Role;
  /** Set when the token belongs to one registered worker machine. */
  workerId: string | null;
  /** Simulating workers may only take tasks from campaigns that allow simulated results. */
  workerSimulated: boolean;
  tokenId: string;
}

export interface WorkerViewer extends Viewer {
  workerId: string;
}

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw new UnauthenticatedError();
  return viewer;
}

export function requireRole(viewer: Viewer | null, ...roles: Role[]): Viewer {
  const signedIn = requireViewer(viewer);
  if (!roles.includes(signedIn.role)) {
    throw new ForbiddenError(`this action needs the ${roles.join(' or ')} role; this token's account is a ${signedIn.role}`);
  }
  return signedIn;
}

export function requireWorker(viewer: Viewer | null): WorkerViewer {
  const signedIn = requireViewer(viewer);
  if (!signedIn.workerId) {
    throw new ForbiddenError('this action needs a worker token: register the machine with registerWorker first');
  }
  return signedIn as WorkerViewer;
}

export function canResearch(viewer: Viewer | null): boolean {
  return viewer?.role === 'researcher' || viewer?.role === 'admin';
}
