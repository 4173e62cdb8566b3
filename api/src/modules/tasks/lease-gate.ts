// Verification's lease gate, read from the environment in one place (the lease statement applies it).
import type { Env } from '../../env.ts';
import type { LeaseGate } from './sql/lease-tasks.ts';

export type GateEnv = Pick<Env, 'XEENET_VERIFICATION' | 'XEENET_TRUST_AFTER_VALID' | 'XEENET_INITIAL_DAILY_QUOTA' | 'XEENET_MAX_PENDING_UNPROVEN'>;

/** Verification's lease gate from the environment (quotas only when verification is on). */
export function leaseGate(env: GateEnv): LeaseGate {
  return {
    quotas: env.XEENET_VERIFICATION !== 'off',
    trustAfterValid: env.XEENET_TRUST_AFTER_VALID,
    initialQuota: env.XEENET_INITIAL_DAILY_QUOTA,
    maxPendingUnproven: env.XEENET_MAX_PENDING_UNPROVEN,
  };
}
