import { describe, expect, it } from 'vitest';
import { NotFoundError, StaleLeaseError } from '../../src/errors.ts';
import { type LeaseRow, rejection } from '../../src/modules/tasks/lease-state.ts';

const claim = { taskId: 't1', leaseToken: 'token-a', workerId: 'worker-a' };
const row = (overrides: Partial<LeaseRow>): LeaseRow => ({ status: 'leased', lease_token: 'token-a', worker_id: 'worker-a', ...overrides });

function reasonOf(error: Error) {
  expect(error).toBeInstanceOf(StaleLeaseError);
  return (error as StaleLeaseError).reason;
}

describe('lease rejections', () => {
  it('reports a task that does not exist as not found', () => {
    expect(rejection(undefined, claim)).toBeInstanceOf(NotFoundError);
  });

  it('tells the holder to stop when the campaign was cancelled', () => {
    expect(reasonOf(rejection(row({ status: 'cancelled' }), claim))).toBe('cancelled');
  });

  it('refuses another worker presenting the holder’s token', () => {
    expect(reasonOf(rejection(row({ worker_id: 'worker-b' }), claim))).toBe('not_holder');
  });

  it('calls a token superseded by a newer lease expired', () => {
    expect(reasonOf(rejection(row({ lease_token: 'token-b', worker_id: 'worker-b' }), claim))).toBe('expired');
  });

  it('calls a lease released or reported as failed released', () => {
    expect(reasonOf(rejection(row({ status: 'queued', lease_token: null, worker_id: null }), claim))).toBe('released');
  });

  it('reports a finished task as finished', () => {
    expect(reasonOf(rejection(row({ status: 'succeeded' }), claim))).toBe('finished');
    expect(reasonOf(rejection(row({ status: 'failed' }), claim))).toBe('finished');
  });
});
