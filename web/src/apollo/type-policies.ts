// How the normalized cache stores XeeNet's types: connections merge page by page, embedded
// objects without ids (stats, progress, chart points) are replaced or merged without warnings.
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

/**
 * Campaign.tasks: a first page replaces the list, a page `after` a cursor appends. No read
 * function, so reading a 10,000-task list stays a plain walk over stored references.
 */
const taskPages: FieldPolicy<{ edges: unknown[] }> = {
  keyArgs: ['status', 'orderBy'],
  merge(existing, incoming, { args }) {
    if (!existing || !args?.after) return incoming;
    return { ...incoming, edges: [...existing.edges, ...incoming.edges] };
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
    },
  },
  Campaign: {
    fields: {
      tasks: taskPages,
      // A refetch brings the full list; live additions are merged in by the campaign's subscription.
      resultPoints: replace,
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
  // One point per task: normalized by taskId so long lists are read from memoised entities.
  ResultPoint: { keyFields: ['taskId'], fields: { config: replace } },
  CostEstimate: { keyFields: false },
  LeaderboardEntry: { keyFields: false },
  CampaignStats: { keyFields: false },
  TaskProgress: { keyFields: false },
  Hardware: { keyFields: false },
};
