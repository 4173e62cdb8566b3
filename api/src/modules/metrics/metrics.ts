// Every Prometheus metric of an API replica, in one registry per process wiring (two replicas in
// one test process must not share counters). Counters count what this replica did (leases,
// completions, requests: sum or rate() them across replicas); the database gauges describe the
// shared state and read the same on every replica (take max() across replicas).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseGauges } from './database-gauges.ts';

/** The validation states of results (modules/verification; see api/README.md). */
export { VALIDATION_STATES } from '../../db/entities/task.entity.ts';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();

  readonly leases = new Counter({ name: 'xeenet_leases_total', help: 'Tasks leased to workers by this replica.', registers: [this.registry] });
  readonly emptyLeases = new Counter({
    name: 'xeenet_lease_requests_empty_total',
    help: 'leaseTask calls answered with no lease (queue empty, or this replica shutting down).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly leaseBatchSize = new Histogram({
    name: 'xeenet_lease_batch_size',
    help: 'Lease requests served by one lease statement (concurrent requests are coalesced).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly completions = new Counter({
    name: 'xeenet_completions_total',
    help: 'Results accepted by this replica (repeated reports of the same lease not counted).',
    registers: [this.registry],
  });
  readonly failures = new Counter({
    name: 'xeenet_failures_total',
    help: 'Failed attempts reported to this replica, by what happened to the task.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly heartbeats = new Counter({ name: 'xeenet_heartbeats_total', help: 'Heartbeats accepted by this replica.', registers: [this.registry] });
  readonly heartbeatRowWrites = new Counter({
    name: 'xeenet_heartbeat_writes_total',
    help: 'Heartbeats accepted by this replica, by whether they wrote the task row (row) or only the live lease store (live_only).',
    labelNames: ['written'] as const,
    registers: [this.registry],
  });

  readonly eventsPublished = new Counter({
    name: 'xeenet_events_published_total',
    help: 'Events this replica published on the event bus, by topic.',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly eventFanout = new Histogram({
    name: 'xeenet_event_fanout_seconds',
    help: 'Time from publishing an event (on any replica) to its delivery to a subscriber on this one; through Redis when REDIS_URL is set.',
    labelNames: ['topic'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'xeenet_http_requests_total',
    help: 'HTTP requests by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'xeenet_http_request_duration_seconds',
    help: 'HTTP request duration by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly httpInFlight = new Gauge({ name: 'xeenet_http_requests_in_flight', help: 'HTTP requests being handled now.', registers: [this.registry] });

  readonly wsConnections = new Gauge({ name: 'xeenet_ws_connections', help: 'Open WebSocket connections.', registers: [this.registry] });
  readonly wsOpened = new Counter({ name: 'xeenet_ws_connections_opened_total', help: 'WebSocket connections accepted.', registers: [this.registry] });
  readonly wsClosed = new Counter({
    name: 'xeenet_ws_connections_closed_total',
    help: 'WebSocket connections closed, by close code (1012: this replica shutting down).',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly wsMessages = new Counter({
    name: 'xeenet_ws_messages_total',
    help: 'WebSocket messages received (in) and sent (out).',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  readonly wsOperationsInFlight = new Gauge({
    name: 'xeenet_ws_operations_in_flight',
    help: 'Queries and mutations over WebSocket being executed now (subscriptions not counted).',
    registers: [this.registry],
  });

  readonly ready = new Gauge({ name: 'xeenet_ready', help: '1 while this replica accepts traffic, 0 once it is shutting down.', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.ready.set(1);
  }

  /** The gauges read from the database (task states, heartbeat age, workers, results). */
  attachDatabaseGauges(gauges: DatabaseGauges): void {
    gauges.register(this.registry);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
