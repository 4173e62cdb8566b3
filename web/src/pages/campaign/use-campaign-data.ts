// Loads a campaign's tasks and chart points into its CampaignStore (their one home) and keeps
// both live. Tasks come page by page (the first page shows at once); live task events are applied
// in one flush per 100 ms; the one repair path (`repair`) runs after a socket reconnect and when
// the campaign's stats count results the chart lacks.
import type { ApolloClient } from '@apollo/client';
import { useApolloClient, useSubscription } from '@apollo/client/react';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useSession } from '../../auth/session';
import { graphql } from '../../gql';
import type { CampaignTasksQuery, TaskRowFragment } from '../../gql/graphql';
import { type CampaignSnapshot, CampaignStore, repairFor } from './campaign-store';

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
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    store.addPage(tasks, page.totalCount, after === null);
  } while (after);
  await points;
}

/**
 * Reads the most recently changed tasks and applies them like live events: repairs rows and
 * points after an event was missed (a race at load time, a dropped socket). Resolves false when
 * more changed than one read shows (see `CampaignStore.applyRecent`): reload everything.
 */
async function resyncRecentTasks(client: ApolloClient, campaignId: string, store: CampaignStore): Promise<boolean> {
  const { data } = await client.query({ query: CampaignRecentTasks, variables: { id: campaignId, first: RESYNC_TASKS }, fetchPolicy: 'no-cache' });
  return store.applyRecent(data?.campaign?.tasks.edges.map((edge) => edge.node) ?? [], RESYNC_TASKS);
}

/** If live events were missed, the page waits this long before repairing (events may be in flight). */
export const REPAIR_AFTER_MS = 1500;

export interface CampaignData extends CampaignSnapshot {
  /** Loads every task and point again (after a bulk change such as cancelling). */
  reload: () => void;
  /** Why live updates stopped (a subscription failed); null while they flow. */
  liveError: unknown;
  /** Subscribes again and reloads what was missed meanwhile. */
  retryLive: () => void;
}

/**
 * @param succeeded the campaign's count of succeeded tasks (from its stats): more than the chart
 *   holds once everything loaded means an event was missed, and the page repairs itself.
 */
export function useCampaignData(campaignId: string, succeeded: number | null): CampaignData {
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

  // The one repair path. `missing`: how many results the chart lacks, null when unknown (after a
  // socket reconnect, events sent while it was down are lost).
  const repair = useCallback(
    (missing: number | null) => {
      const { complete, pointsLoaded } = store.getSnapshot();
      if (repairFor(complete && pointsLoaded, missing, RESYNC_TASKS) === 'reload') {
        reload();
        return;
      }
      resyncRecentTasks(client, campaignId, store)
        .then((covered) => {
          if (!covered) reload();
        })
        .catch(reload);
    },
    [client, campaignId, store, reload],
  );

  const seenReconnects = useRef(reconnects);
  useEffect(() => {
    if (seenReconnects.current === reconnects) return;
    seenReconnects.current = reconnects;
    repair(null);
  }, [reconnects, repair]);

  // The stats count more successes than the chart has points. Only a loaded page can be missing
  // anything (mid-load the counts differ by design), and the same gap is tried once (a result the
  // chart cannot plot would otherwise be read again forever).
  const loaded = snapshot.complete && snapshot.pointsLoaded;
  const pointCount = snapshot.points.length;
  const repairedGap = useRef('');
  useEffect(() => {
    if (succeeded === null || !loaded || succeeded <= pointCount) return;
    const gap = `${succeeded}/${pointCount}`;
    if (repairedGap.current === gap) return;
    const timer = setTimeout(() => {
      repairedGap.current = gap;
      repair(succeeded - pointCount);
    }, REPAIR_AFTER_MS);
    return () => clearTimeout(timer);
  }, [succeeded, loaded, pointCount, repair]);

  const { restart } = summary;
  const retryLive = useCallback(() => {
    setTaskError(null);
    setLiveGeneration((n) => n + 1);
    restart();
    reload();
  }, [restart, reload]);

  const liveError = (taskError?.campaignId === campaignId ? taskError.error : null) ?? summary.error ?? null;
  return { ...snapshot, reload, liveError, retryLive };
}
