import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, withLogContext } from '../../src/logger.ts';

describe('createLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('adds the ids of the request being handled to every line, across awaits, and only inside it', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
    const log = createLogger('info');
    await withLogContext({ requestId: 'r1' }, async () => {
      log.info('first');
      await new Promise((resolve) => setTimeout(resolve, 5));
      await withLogContext({ operationId: '7' }, async () => log.info('nested', { extra: 1 }));
    });
    log.info('outside');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ msg: 'first', requestId: 'r1' }),
      expect.objectContaining({ msg: 'nested', requestId: 'r1', operationId: '7', extra: 1 }),
      expect.not.objectContaining({ requestId: expect.anything() }),
    ]);
  });
});
