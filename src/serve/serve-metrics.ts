/**
 * The Prometheus metrics of a {@link startBesServer} server (`GET /metrics`, text format 0.0.4),
 * made with prom-client (an optional peer, loaded here). One registry per server, so two servers in
 * one process never mix their figures. What is counted comes from the {@link ActivationTracker}
 * (outcomes, phase latencies) and, read at each scrape, from the relay (queues, connections, frames)
 * and the simulator (accounts); Node's own process metrics (memory, CPU, event loop lag) come with it.
 */
import type { Histogram, Registry } from 'prom-client';
import { loadPeer } from '../node/optional-peers.js';
import type { RelayServer } from '../node/relay-server.js';
import type { ActivationObserver, ActivationTracker } from './activation-tracker.js';

/** Prefix of every metric of ours. */
export const METRIC_PREFIX = 'enterprise_activation_';

/** Histogram buckets of the phase latencies, in seconds: 5 ms to 2 minutes. */
const PHASE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** What the metrics read at each scrape. */
export interface MetricSources {
  readonly relay: RelayServer;
  readonly tracker: ActivationTracker;
  readonly accounts: () => number;
}

/** A server's metrics: the observer its tracker reports to, and the text of a scrape. */
export interface ServeMetrics {
  readonly observer: ActivationObserver;
  /** Binds what is read at each scrape (the tracker exists only once the observer does). */
  attach(sources: MetricSources): void;
  /** The metrics in Prometheus text format. */
  scrape(): Promise<string>;
  /** Its media type. */
  readonly contentType: string;
}

/** Creates the registry (rejects with ActivationError('UNSUPPORTED') when prom-client is not installed). */
export async function createServeMetrics(): Promise<ServeMetrics> {
  const { Registry, Counter, Gauge, Histogram: HistogramClass, collectDefaultMetrics } = await loadPeer('prom-client', 'startBesServer');
  const registry: Registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  let sources: MetricSources | undefined;

  const outcomes = new Counter({
    name: `${METRIC_PREFIX}activations_total`,
    help: 'Activations ended, by outcome (complete, failed, refused, aborted) and error code ("" when complete).',
    labelNames: ['outcome', 'code'] as const,
    registers: [registry],
  });
  const phases: Histogram<'phase'> = new HistogramClass({
    name: `${METRIC_PREFIX}phase_seconds`,
    help: 'Server-side duration of each activation phase (activation, encryption-verification, services, synchronization, total).',
    labelNames: ['phase'] as const,
    buckets: PHASE_BUCKETS,
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: (s: MetricSources) => number): void => {
    new Gauge({
      name: METRIC_PREFIX + name,
      help,
      registers: [registry],
      collect() {
        if (sources !== undefined) this.set(read(sources));
      },
    });
  };
  gauge('activations_in_progress', 'Activations whose ETP.DAT was accepted and that have not ended.', (s) => s.tracker.inProgress);
  gauge('accounts', 'User accounts on the simulator.', (s) => s.accounts());
  gauge('relay_queued_bytes', 'Bytes of frames waiting in the relay queues.', (s) => s.relay.usage().bytes);
  gauge('relay_addresses', 'Address slots (handsets and servers) the relay holds.', (s) => s.relay.usage().addresses);
  gauge('relay_connections', 'Open connections to the relay.', (s) => s.relay.usage().connections);
  new Gauge({
    name: `${METRIC_PREFIX}relay_frames`,
    help: 'Relay frame counters since start, by what happened (received, delivered, queued, dropped, malformed, rate_limited, unauthorized).',
    labelNames: ['what'] as const,
    registers: [registry],
    collect() {
      if (sources === undefined) return;
      const s = sources.relay.stats;
      this.set({ what: 'received' }, s.received);
      this.set({ what: 'delivered' }, s.delivered);
      this.set({ what: 'queued' }, s.queued);
      this.set({ what: 'dropped' }, s.dropped);
      this.set({ what: 'malformed' }, s.malformed);
      this.set({ what: 'rate_limited' }, s.rateLimited);
      this.set({ what: 'unauthorized' }, s.unauthorized);
    },
  });

  return {
    observer: {
      phase: (phase, ms) => phases.observe({ phase }, ms / 1000),
      outcome: (outcome, code) => outcomes.inc({ outcome, code: code ?? '' }),
    },
    attach(s) {
      sources = s;
    },
    scrape: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
