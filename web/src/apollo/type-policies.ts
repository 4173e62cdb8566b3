// How the normalized cache stores XeeNet's types: connections merge page by page, embedded
// objects without ids (stats, progress) are replaced or merged without warnings.
import type { FieldPolicy, TypePolicies } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';

interface LedgerPageShape {
  entries: { __ref?: string; id?: string }[];
  hasMore: boolean;
  nextBefore: string | null;
}

/** creditLedger(before): the first page replaces, older pages ("before") append. */
const ledgerPagination: FieldPolicy<LedgerPageShape> = {
  keyArgs: false,
  merge(existing, incoming, { args }) {
    if (!existing || args?.before == null) return incoming;
    const seen = new Set(existing.entries.map((entry) => entry.__ref ?? entry.id));
    return {
      ...incoming,
      entries: [...existing.entries, ...incoming.entries.filter((entry) => !seen.has(entry.__ref ?? entry.id))],
    };
  },
};

const replace = { merge: false } as const;
const mergeObjects = { merge: true } as const;

export const typePolicies: TypePolicies = {
  Query: {
    fields: {
      campaigns: relayStylePagination(['status', 'mine', 'ownerId']),
      workers: relayStylePagination(['online']),
      artifacts: relayStylePagination(['kind']),
      creditLedger: ledgerPagination,
      leaderboard: replace,
      explore: replace,
    },
  },
  // A campaign's tasks and chart points are not kept here: the campaign page reads them without
  // the cache into its CampaignStore (pages/campaign/campaign-store.ts), their one home.
  Campaign: {
    fields: {
      stats: mergeObjects,
      searchSpace: replace,
    },
  },
  Task: {
    fields: {
      progress: replace,
      config: replace,
      // The task table selects these without ids (to stay within the API's complexity limit).
      worker: replace,
      result: replace,
    },
  },
  Worker: {
    fields: {
      hardware: mergeObjects,
      currentTasks: replace,
    },
  },
  Artifact: { fields: { searchSpace: replace, defaultConfig: replace } },
  CostEstimate: { keyFields: false },
  ExploreGroup: { keyFields: false },
  ExploreConfig: { keyFields: false, fields: { config: replace } },
  NoiseBand: { keyFields: false },
  LeaderboardEntry: { keyFields: false },
  CampaignStats: { keyFields: false },
  TaskProgress: { keyFields: false },
  Hardware: { keyFields: false },
};
