// Live updates. Postgres is the source of truth; events only say "this changed, read it again".
// In-process by default; with REDIS_URL every API replica sees every replica's events, on channels
// named with XEENET_REDIS_PREFIX so several deployments or test runs can share one Redis.
import { createPubSub, map, pipe, type PubSub, type PubSubEventTarget } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { SlidingBuffer } from '@repeaterjs/repeater';
import { Redis } from 'ioredis';

export interface TaskEvent {
  campaignId: string;
  taskId: string;
}
export interface CampaignEvent {
  campaignId: string;
}
export interface BalanceEvent {
  accountId: string;
}
export interface WorkerEvent {
  workerId: string;
}

/** Stamped on every event when it is published (epoch ms), to measure the fan-out lag. */
interface Stamped {
  publishedAt?: number;
}

/** What the bus reports to the metrics: one call per publish and per delivery to a subscriber. */
export interface EventBusObserver {
  published(topic: string): void;
  delivered(topic: string, lagSeconds: number): void;
}

export interface EventBusOptions {
  redisUrl?: string;
  /** Prepended to every Redis channel name (XEENET_REDIS_PREFIX). */
  prefix?: string;
  observer?: EventBusObserver;
}

type Topics = {
  'task.updated': [campaignId: string, event: TaskEvent & Stamped];
  'result.marked': [campaignId: string, event: TaskEvent & Stamped];
  'campaign.updated': [campaignId: string, event: CampaignEvent & Stamped];
  'worker.updated': [event: WorkerEvent & Stamped];
  'campaigns.changed': [event: CampaignEvent & Stamped];
  'balance.changed': [accountId: string, event: BalanceEvent & Stamped];
};

const NO_OBSERVER: EventBusObserver = { published: () => {}, delivered: () => {} };

/** Campaign aggregates and worker rows are re-read per event, so bursts are coalesced. */
const CAMPAIGN_COALESCE_MS = 200;
const WORKER_COALESCE_MS = 500;

export class EventBus {
  private readonly pubsub: PubSub<Topics>;
  private readonly pendingCampaigns = new Map<string, NodeJS.Timeout>();
  private readonly pendingWorkers = new Map<string, NodeJS.Timeout>();
  private readonly redisClients: Redis[];
  private readonly observer: EventBusObserver;

  private constructor(pubsub: PubSub<Topics>, redisClients: Redis[], observer: EventBusObserver) {
    this.pubsub = pubsub;
    this.redisClients = redisClients;
    this.observer = observer;
  }

  static async create(options: EventBusOptions = {}): Promise<EventBus> {
    const repeaterBuffer = new SlidingBuffer(1024);
    const observer = options.observer ?? NO_OBSERVER;
    if (!options.redisUrl) return new EventBus(createPubSub<Topics>({ repeaterBuffer }), [], observer);
    const publishClient = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    const subscribeClient = new Redis(options.redisUrl, { lazyConnect: true });
    await Promise.all([publishClient.connect(), subscribeClient.connect()]);
    const eventTarget = prefixChannels(createRedisEventTarget<never>({ publishClient, subscribeClient }), options.prefix ?? '');
    return new EventBus(createPubSub<Topics>({ eventTarget, repeaterBuffer }), [publishClient, subscribeClient], observer);
  }

  taskChanged(campaignId: string, taskId: string): void {
    this.observer.published('task.updated');
    this.pubsub.publish('task.updated', campaignId, { campaignId, taskId, publishedAt: Date.now() });
    this.campaignChanged(campaignId);
  }

  /** A task's result (or crash) arrived and was marked keep / discard / crash: once per task. */
  resultMarked(campaignId: string, taskId: string): void {
    this.observer.published('result.marked');
    this.pubsub.publish('result.marked', campaignId, { campaignId, taskId, publishedAt: Date.now() });
  }

  campaignChanged(campaignId: string): void {
    coalesce(this.pendingCampaigns, campaignId, CAMPAIGN_COALESCE_MS, () => {
      this.observer.published('campaign.updated');
      this.pubsub.publish('campaign.updated', campaignId, { campaignId, publishedAt: Date.now() });
    });
  }

  /** A campaign was created or changed status: lists filtered by status or owner must re-read. */
  campaignListChanged(campaignId: string): void {
    this.observer.published('campaigns.changed');
    this.pubsub.publish('campaigns.changed', { campaignId, publishedAt: Date.now() });
  }

  /** Credits moved in or out of this account's wallet. */
  balanceChanged(accountId: string): void {
    this.observer.published('balance.changed');
    this.pubsub.publish('balance.changed', accountId, { accountId, publishedAt: Date.now() });
  }

  workerChanged(workerId: string): void {
    coalesce(this.pendingWorkers, workerId, WORKER_COALESCE_MS, () => {
      this.observer.published('worker.updated');
      this.pubsub.publish('worker.updated', { workerId, publishedAt: Date.now() });
    });
  }

  onTask(campaignId: string) {
    return this.delivered('task.updated', this.pubsub.subscribe('task.updated', campaignId));
  }

  onResult(campaignId: string) {
    return this.delivered('result.marked', this.pubsub.subscribe('result.marked', campaignId));
  }

  onCampaign(campaignId: string) {
    return this.delivered('campaign.updated', this.pubsub.subscribe('campaign.updated', campaignId));
  }

  onCampaignList() {
    return this.delivered('campaigns.changed', this.pubsub.subscribe('campaigns.changed'));
  }

  onBalance(accountId: string) {
    return this.delivered('balance.changed', this.pubsub.subscribe('balance.changed', accountId));
  }

  onWorkers() {
    return this.delivered('worker.updated', this.pubsub.subscribe('worker.updated'));
  }

  /** Whether Redis answers (always true in-process); /readyz asks. */
  async ping(timeoutMs: number): Promise<'ok' | 'in-process'> {
    if (this.redisClients.length === 0) return 'in-process';
    for (const client of this.redisClients) {
      if (client.status !== 'ready') throw new Error(`the Redis connection is ${client.status}`);
    }
    const publishClient = this.redisClients[0]!;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        publishClient.ping(),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`Redis did not answer PING within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return 'ok';
  }

  /** Observes each event as a subscriber receives it: the time since it was published. */
  private delivered<T extends Stamped>(topic: string, source: AsyncIterable<T>) {
    return pipe(
      source,
      map((event: T) => {
        if (typeof event.publishedAt === 'number') this.observer.delivered(topic, Math.max(0, Date.now() - event.publishedAt) / 1000);
        return event;
      }),
    );
  }

  async close(): Promise<void> {
    for (const timer of [...this.pendingCampaigns.values(), ...this.pendingWorkers.values()]) clearTimeout(timer);
    this.pendingCampaigns.clear();
    this.pendingWorkers.clear();
    await Promise.all(this.redisClients.map((client) => client.quit().catch(() => client.disconnect())));
  }
}

/** Adds the prefix to every channel the target publishes on or listens to. */
function prefixChannels(target: PubSubEventTarget<never>, prefix: string): PubSubEventTarget<never> {
  if (!prefix) return target;
  return {
    addEventListener: (type, listener, options) => target.addEventListener(`${prefix}${type}`, listener, options),
    removeEventListener: (type, listener, options) => target.removeEventListener(`${prefix}${type}`, listener, options),
    dispatchEvent: (event) => target.dispatchEvent(new CustomEvent(`${prefix}${event.type}`, { detail: (event as CustomEvent<unknown>).detail }) as never),
  };
}

/** Publishes at most once per window per key; the first change in a window schedules it. */
function coalesce(pending: Map<string, NodeJS.Timeout>, key: string, windowMs: number, publish: () => void): void {
  if (pending.has(key)) return;
  const timer = setTimeout(() => {
    pending.delete(key);
    publish();
  }, windowMs);
  timer.unref();
  pending.set(key, timer);
}
