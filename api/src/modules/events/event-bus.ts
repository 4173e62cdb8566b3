// Live updates. Postgres is the source of truth; events only say "this changed, read it again".
// In-process by default; with REDIS_URL every API replica sees every replica's events.
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
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

type Topics = {
  'task.updated': [campaignId: string, event: TaskEvent];
  'campaign.updated': [campaignId: string, event: CampaignEvent];
  'worker.updated': [event: WorkerEvent];
  'campaigns.changed': [event: CampaignEvent];
  'balance.changed': [accountId: string, event: BalanceEvent];
};

/** Campaign aggregates and worker rows are re-read per event, so bursts are coalesced. */
const CAMPAIGN_COALESCE_MS = 200;
const WORKER_COALESCE_MS = 500;

export class EventBus {
  private readonly pubsub: PubSub<Topics>;
  private readonly pendingCampaigns = new Map<string, NodeJS.Timeout>();
  private readonly pendingWorkers = new Map<string, NodeJS.Timeout>();
  private readonly redisClients: Redis[];

  private constructor(pubsub: PubSub<Topics>, redisClients: Redis[]) {
    this.pubsub = pubsub;
    this.redisClients = redisClients;
  }

  static async create(redisUrl?: string): Promise<EventBus> {
    const repeaterBuffer = new SlidingBuffer(1024);
    if (!redisUrl) return new EventBus(createPubSub<Topics>({ repeaterBuffer }), []);
    const publishClient = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    const subscribeClient = new Redis(redisUrl, { lazyConnect: true });
    await Promise.all([publishClient.connect(), subscribeClient.connect()]);
    const eventTarget = createRedisEventTarget<never>({ publishClient, subscribeClient });
    return new EventBus(createPubSub<Topics>({ eventTarget, repeaterBuffer }), [publishClient, subscribeClient]);
  }

  taskChanged(campaignId: string, taskId: string): void {
    this.pubsub.publish('task.updated', campaignId, { campaignId, taskId });
    this.campaignChanged(campaignId);
  }

  campaignChanged(campaignId: string): void {
    coalesce(this.pendingCampaigns, campaignId, CAMPAIGN_COALESCE_MS, () =>
      this.pubsub.publish('campaign.updated', campaignId, { campaignId }),
    );
  }

  /** A campaign was created or changed status: lists filtered by status or owner must re-read. */
  campaignListChanged(campaignId: string): void {
    this.pubsub.publish('campaigns.changed', { campaignId });
  }

  /** Credits moved in or out of this account's wallet. */
  balanceChanged(accountId: string): void {
    this.pubsub.publish('balance.changed', accountId, { accountId });
  }

  workerChanged(workerId: string): void {
    coalesce(this.pendingWorkers, workerId, WORKER_COALESCE_MS, () => this.pubsub.publish('worker.updated', { workerId }));
  }

  onTask(campaignId: string) {
    return this.pubsub.subscribe('task.updated', campaignId);
  }

  onCampaign(campaignId: string) {
    return this.pubsub.subscribe('campaign.updated', campaignId);
  }

  onCampaignList() {
    return this.pubsub.subscribe('campaigns.changed');
  }

  onBalance(accountId: string) {
    return this.pubsub.subscribe('balance.changed', accountId);
  }

  onWorkers() {
    return this.pubsub.subscribe('worker.updated');
  }

  async close(): Promise<void> {
    for (const timer of [...this.pendingCampaigns.values(), ...this.pendingWorkers.values()]) clearTimeout(timer);
    this.pendingCampaigns.clear();
    this.pendingWorkers.clear();
    await Promise.all(this.redisClients.map((client) => client.quit().catch(() => client.disconnect())));
  }
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
