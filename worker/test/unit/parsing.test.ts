import { describe, expect, it } from 'vitest';
import { artifactUrl, parseServer, ServerUrlError } from '../../src/api/server.ts';
import { parseCudaVersion, parseNvidiaQuery, parseOsRelease, isDebianLike } from '../../src/hardware.ts';
import { heartbeatInterval } from '../../src/lease-keeper.ts';
import { torchVariant } from '../../src/python/discover.ts';
import { classifyLine, parseProgress } from '../../src/runner.ts';
import { backoffDelay } from '../../src/util/backoff.ts';

describe('parseServer', () => {
  it('derives the GraphQL and WebSocket URLs', () => {
    expect(parseServer('http://localhost:4000')).toEqual({
      base: 'http://localhost:4000',
      graphqlHttp: 'http://localhost:4000/graphql',
      graphqlWs: 'ws://localhost:4000/graphql',
    });
    expect(parseServer('https://x.org/xeenet/graphql/').graphqlWs).toBe('wss://x.org/xeenet/graphql');
    expect(parseServer('https://x.org/').base).toBe('https://x.org');
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => parseServer('localhost:4000')).toThrow(ServerUrlError);
    expect(() => parseServer('ftp://x')).toThrow(ServerUrlError);
    expect(() => parseServer('http://user:pw@x')).toThrow(ServerUrlError);
  });

  it('resolves artifact URLs relative to the server unless absolute', () => {
    const server = parseServer('http://127.0.0.1:4000');
    expect(artifactUrl(server, '/artifacts/abc')).toBe('http://127.0.0.1:4000/artifacts/abc');
    expect(artifactUrl(server, 'https://cdn.example/artifacts/abc')).toBe('https://cdn.example/artifacts/abc');
  });
});

describe('hardware parsing', () => {
  it('reads nvidia-smi', () => {
    expect(parseNvidiaQuery('NVIDIA H100 80GB HBM3, 81559, 550.54.15\nNVIDIA H100 80GB HBM3, 81559, 550.54.15\n')).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, driverVersion: '550.54.15' },
      { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, driverVersion: '550.54.15' },
    ]);
    expect(parseCudaVersion('| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4     |')).toBe('12.4');
  });

  it('reads /etc/os-release', () => {
    const ubuntu = parseOsRelease('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 24.04 LTS"\n');
    expect(ubuntu).toEqual({ id: 'ubuntu', idLike: ['debian'], prettyName: 'Ubuntu 24.04 LTS' });
    expect(isDebianLike(ubuntu)).toBe(true);
    expect(isDebianLike(parseOsRelease('ID=fedora\n'))).toBe(false);
  });

  it('picks a PyTorch build the driver supports', () => {
    expect(torchVariant(null, 'linux')).toBe('cpu');
    expect(torchVariant('12.4', 'linux')).toBe('cu118');
    expect(torchVariant('12.6', 'linux')).toBe('cu126');
    expect(torchVariant('12.9', 'linux')).toBe('cu128');
    expect(torchVariant('13.0', 'linux')).toBe('cu130');
    expect(torchVariant('11.4', 'linux')).toBe('cpu');
    expect(torchVariant(null, 'darwin')).toBe('default');
  });
});

describe('protocol lines', () => {
  it('classifies stdout lines', () => {
    expect(classifyLine('{"type":"progress","step":3}').kind).toBe('progress');
    expect(classifyLine('{"type":"result","val_bpb":1}').kind).toBe('result');
    expect(classifyLine('{"type":"error","code":"x"}').kind).toBe('error');
    expect(classifyLine('{"type":"other"}').kind).toBe('garbage');
    expect(classifyLine('[1,2]').kind).toBe('garbage');
    expect(classifyLine('NaN').kind).toBe('garbage');
    expect(classifyLine('hello').kind).toBe('garbage');
  });

  it('keeps only valid progress fields', () => {
    expect(parseProgress({ step: 12, train_loss: 2.5, elapsed_s: 1.25 })).toEqual({ step: 12, trainLoss: 2.5, elapsedS: 1.25 });
    expect(parseProgress({ step: -1, train_loss: 'x', elapsed_s: -3 })).toEqual({ step: null, trainLoss: null, elapsedS: null });
    expect(parseProgress({ step: 1.5, train_loss: Number.POSITIVE_INFINITY })).toEqual({ step: null, trainLoss: null, elapsedS: null });
  });
});

describe('timing', () => {
  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(0, 1000, 30_000, () => 0)).toBe(500);
    expect(backoffDelay(0, 1000, 30_000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 30_000, () => 1)).toBe(8000);
    expect(backoffDelay(20, 1000, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(20, 1000, 30_000, () => 0)).toBe(15_000);
  });

  it('heartbeats at a third of the lease time to live, 1–5 s', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(heartbeatInterval('2026-01-01T00:00:30Z', now)).toBe(5000);
    expect(heartbeatInterval('2026-01-01T00:00:06Z', now)).toBe(2000);
    expect(heartbeatInterval('2026-01-01T00:00:01Z', now)).toBe(1000);
    expect(heartbeatInterval('garbage', now)).toBe(1000);
  });
});
