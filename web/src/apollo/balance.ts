import type { ApolloCache } from '@apollo/client';

/**
 * Drops the cached balance after a mutation that moved credits (submit, cancel): every watching
 * query (the header, the credits page) reads it again from the API.
 */
export function invalidateBalance(cache: ApolloCache, accountId: string | undefined): void {
  if (!accountId) return;
  cache.evict({ id: cache.identify({ __typename: 'Account', id: accountId }), fieldName: 'balance' });
}
