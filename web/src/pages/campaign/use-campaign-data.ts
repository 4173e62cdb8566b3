// Loads a campaign's tasks and chart points into its CampaignStore and keeps both live. Tasks
// come page by page (the first page shows at once) and every page is also written into the
// normalized Apollo cache; live task events go to the cache and to the store in one flush.
import type { ApolloClient } from '@apollo/client';
import { useApolloClient, useSubscription } from '@apollo/client/react';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useSession } from '../../auth/session';
import { graphql } from '../../gql';
import type { CampaignTasksQuery, TaskRowFragment } from '../../gql/graphql';
import { type CampaignSnapshot, CampaignStore } from './campaign-store';
import { TaskRow } from './TaskTable';

/**
 * Tasks per request. The API's complexity limit (20,000) multiplies a connection's fields by
 * `first`: a TaskRow page of 500 costs about 13,000. The e2e suite checks it stays within.
 */
export const TASK_PAGE_SIZE = 500;

/** Live task events collected before one write to the cache and the store. */
export const FLUSH_MS = 100;

/** How many recently changed tasks a resync reads. */
export const RESYNC_TASKS = 200;

const CampaignTasks = graphql(`
  query CampaignTasks($id: ID!, $first: Int!, $after: String) {
    campaign(id: $id) {
      id
      tasks(first: $first, after: $after) {
        totalCount
        edges {
          node {
            ...TaskRow
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

const CampaignPoints = graphql(`
  query CampaignPoints($id: ID!) {
    campaign(id: $id) {
      id
      resultPoints {
        ...ResultPointFields
      }
    }
  }
`);

const CampaignTaskUpdates = graphql(`
  subscription CampaignTaskUpdates($campaignId: ID!) {
    taskUpdated(campaignId: $campaignId) {
      ...TaskRow
    }
  }
`);

const CampaignSummaryUpdates = graphql(`
  subscription CampaignSummaryUpdates($id: ID!) {
    campaignUpdated(id: $id) {
      ...CampaignSummary
    }
  }
`);

const CampaignRecentTasks = graphql(`
  query CampaignRecentTasks($id: ID!, $first: Int!) {
    campaign(id: $id) {
      id
      tasks(first: $first, orderBy: RECENTLY_UPDATED) {
        edges {
          node {
            ...TaskRow
          }
        }
      }
    }
  }
`);

/** Writes tasks into the normalized cache in one batch (one broadcast). */
export function writeTasks(client: ApolloClient, tasks: readonly TaskRowFragment[]): void {
  if (tasks.length === 0) return;
  client.cache.batch({
    update(cache) {
      for (const task of tasks) {
        cache.writeFragment({ id: cache.identify({ __typename: 'Task', id: task.id }), fragment: TaskRow, fragmentName: 'TaskRow', data: task });
      }
    },
  });
}

type Page = NonNullable<CampaignTasksQuery['campaign']>['tasks'];

async function loadAll(client: ApolloClient, campaignId: string, store: CampaignStore, cancelled: () => boolean): Promise<void> {
  const points = client
    .query({ query: CampaignPoints, variables: { id: campaignId }, fetchPolicy: 'no-cache' })
    .then(({ data }) => {
      if (!cancelled() && data?.campaign) store.setPoints(data.campaign.resultPoints);
    });
  let after: string | null = null;
  do {
    const result: { data?: CampaignTasksQuery } = await client.query({
      query: CampaignTasks,
      variables: { id: campaignId, first: TASK_PAGE_SIZE, after },
      fetchPolicy: 'no-cache',
    });
    if (cancelled()) return;
    const page: Page | undefined = result.data?.campaign?.tasks;
    if (!page) return; // not found or not visible: the page's own query says so
    const tasks = page.edges.map((edge) => edge.node);
    writeTasks(client, tasks);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    store.addPage(tasks, page.totalCount, after === null);
  } while (after);
  await points;
}

/**
 * Reads the most recently changed tasks and applies them like live events: repairs rows and
 * points after an event was missed (a race at load time, a dropped socket). Resolves true when
 * that window reached a version the store already knew (or held every task): nothing older can
 * have been missed. False means more changed than one read shows: reload everything.
 */
export async function resyncRecentTasks(client: ApolloClient, campaignId: string, store: CampaignStore): Promise<boolean> {
  const { data } = await client.query({ query: CampaignRecentTasks, variables: { id: campaignId, first: RESYNC_TASKS }, fetchPolicy: 'no-cache' });
  const tasks = data?.campaign?.tasks.edges.map((edge) => edge.node) ?? [];
  const oldest = tasks.at(-1);
  const covered = tasks.length < RESYNC_TASKS || (oldest !== undefined && store.knows(oldest));
  writeTasks(client, tasks);
  store.apply(tasks);
  return covered;
}

export interface CampaignData extends CampaignSnapshot {
  store: CampaignStore;
  /** Loads every task and point again (after a bulk change such as cancelling). */
  reload: () => void;
  /** Why live updates stopped (a subscription failed); null while they flow. */
  liveError: unknown;
  /** Subscribes again and reloads what was missed meanwhile. */
  retryLive: () => void;
}

export function useCampaignData(campaignId: string): CampaignData {
  const client = useApolloClient();
  const { reconnects } = useSession();
  const store = useMemo(() => new CampaignStore(), [campaignId]);
  const [generation, setGeneration] = useState(0);
  const [liveGeneration, setLiveGeneration] = useState(0);
  // Keyed by campaign: another campaign opened in the same page starts out live.
  const [taskError, setTaskError] = useState<{ campaignId: string; error: unknown } | null>(null);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);

  // Campaign events carry fresh stats (≤ 5/s); Apollo writes them into the cache itself.
  const summary = useSubscription(CampaignSummaryUpdates, { variables: { id: campaignId } });

  // Live task events: subscribe first, so nothing published during the load is lost.
  useEffect(() => {
    let queue: TaskRowFragment[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    let closed = false;
    let stopped = false;
    const flush = () => {
      timer = null;
      const batch = queue;
      queue = [];
      writeTasks(client, batch);
      store.apply(batch);
    };
    // Apollo reports a failed subscription as a result with `error`, then ends the stream: keep
    // the first reason.
    const stop = (error: unknown) => {
      if (closed || stopped) return;
      stopped = true;
      setTaskError({ campaignId, error: error ?? new Error('The server ended the task updates') });
    };
    const subscription = client
      .subscribe({ query: CampaignTaskUpdates, variables: { campaignId }, fetchPolicy: 'no-cache' })
      .subscribe({
        next: ({ data, error }) => {
          if (error) stop(error);
          if (!data?.taskUpdated) return;
          queue.push(data.taskUpdated);
          timer ??= setTimeout(flush, FLUSH_MS);
        },
        error: stop,
        complete: () => stop(null),
      });
    return () => {
      closed = true;
      subscription.unsubscribe();
      if (timer) clearTimeout(timer);
      flush();
    };
  }, [client, campaignId, store, liveGeneration]);

  useEffect(() => {
    let cancelled = false;
    if (generation > 0) store.resetTasks();
    loadAll(client, campaignId, store, () => cancelled).catch((error: unknown) => {
      if (!cancelled) store.fail(error);
    });
    return () => {
      cancelled = true;
    };
  }, [client, campaignId, store, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);

  // The socket came back: events sent while it was down are lost. Mid-load, start the load over;
  // once loaded, read the recently changed tasks, and everything again if more changed than that.
  const seenReconnects = useRef(reconnects);
  useEffect(() => {
    if (seenReconnects.current === reconnects) return;
    seenReconnects.current = reconnects;
    if (!store.getSnapshot().complete) {
      reload();
      return;
    }
    resyncRecentTasks(client, campaignId, store)
      .then((covered) => {
        if (!covered) reload();
      })
      .catch(reload);
  }, [reconnects, client, campaignId, store, reload]);

  const { restart } = summary;
  const retryLive = useCallback(() => {
    setTaskError(null);
    setLiveGeneration((n) => n + 1);
    restart();
    reload();
  }, [restart, reload]);

  const liveError = (taskError?.campaignId === campaignId ? taskError.error : null) ?? summary.error ?? null;
  return { ...snapshot, store, reload, liveError, retryLive };
}
