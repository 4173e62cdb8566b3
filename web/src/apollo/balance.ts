import type { ApolloCache } from '@apollo/client';

/**
 * Drops the cached balance right after our own action moved credits (submit, cancel, a campaign
 * closing): watching queries read it again at once, without waiting for the balanceChanged event.
 */
export function invalidateBalance(cache: ApolloCache, accountId: string | undefined): void {
  if (!accountId) return;
  cache.evict({ id: cache.identify({ __typename: 'Account', id: accountId }), fieldName: 'balance' });
}
