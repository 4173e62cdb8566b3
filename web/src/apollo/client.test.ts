import { CombinedGraphQLErrors, ServerError } from '@apollo/client';
import { describe, expect, it } from 'vitest';
import { explainError } from '../lib/errors';
import { graphqlWsUrl } from '../lib/endpoints';
import { retryDelayMs } from './client';

describe('retryDelayMs', () => {
  it('backs off exponentially with jitter, capped at 15 s', () => {
    expect(retryDelayMs(0, () => 0)).toBe(250);
    expect(retryDelayMs(0, () => 1)).toBe(500);
    expect(retryDelayMs(3, () => 1)).toBe(4000);
    expect(retryDelayMs(20, () => 1)).toBe(15_000);
  });
});

describe('graphqlWsUrl', () => {
  it('follows the page origin and scheme', () => {
    expect(graphqlWsUrl({ protocol: 'http:', host: '127.0.0.1:4000' })).toBe('ws://127.0.0.1:4000/graphql');
    expect(graphqlWsUrl({ protocol: 'https:', host: 'xeenet.example' })).toBe('wss://xeenet.example/graphql');
  });
});

describe('explainError', () => {
  it('says what happened and what to do', () => {
    expect(explainError(new TypeError('Failed to fetch'), 'campaigns').title).toBe('Cannot reach the XeeNet API');
    const server = new ServerError('boom', { response: new Response('', { status: 500 }), bodyText: '' });
    expect(explainError(server, 'campaigns')).toMatchObject({ title: 'The API failed to load campaigns (HTTP 500)' });
    const graphql = new CombinedGraphQLErrors({ errors: [{ message: 'Query exceeds maximum complexity' }] });
    expect(explainError(graphql, 'tasks').detail).toMatch(/Query exceeds maximum complexity/);
  });
});
