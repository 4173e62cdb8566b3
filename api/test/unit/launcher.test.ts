import { describe, expect, it } from 'vitest';
import { bannerText } from '../../src/launcher/banner.ts';
import { SAME_PRESS_MS, StopSignals } from '../../src/launcher/stop-signals.ts';

describe('StopSignals', () => {
  it('counts presses, not deliveries: copies of one Ctrl-C (terminal + npm) are one press', () => {
    const stops = new StopSignals();
    expect(stops.receive(0)).toBe('finish');
    expect(stops.receive(5)).toBe('ignore'); // npm forwarding the same press
    expect(stops.receive(20)).toBe('ignore');
    expect(stops.receive(20 + SAME_PRESS_MS)).toBe('abort');
    expect(stops.receive(30 + 2 * SAME_PRESS_MS)).toBe('force');
    expect(stops.receive(40 + 3 * SAME_PRESS_MS)).toBe('force');
    expect(stops.count).toBe(4);
  });
});

describe('bannerText', () => {
  const base = { url: 'http://127.0.0.1:4000', graphqlUrl: 'http://127.0.0.1:4000/graphql', missingDatasets: [] };

  it('shows a token created now with the file that keeps it, and the worker switch', () => {
    const text = bannerText({ ...base, signIn: { kind: 'created', token: 'xn_abc', file: '/d/admin-token' }, worker: { home: '/d/worker', prefix: 'worker │ ' } });
    expect(text).toContain('xn_abc');
    expect(text).toContain('/d/admin-token');
    expect(text).toContain('--no-worker');
    expect(text).toContain('Dashboard:  http://127.0.0.1:4000');
  });

  it('says how to get a token when none is known, and how to add a missing dataset', () => {
    const text = bannerText({
      ...base,
      signIn: { kind: 'unknown', file: '/d/admin-token' },
      worker: { off: '--no-worker' },
      missingDatasets: ['TinyShakespeare is not available: ... set XEENET_DATASETS_DIR ...'],
    });
    expect(text).toContain('XEENET_ADMIN_TOKEN');
    expect(text).toContain('Datasets:   TinyShakespeare is not available');
    expect(text).toContain('Worker:     none (--no-worker)');
  });
});
