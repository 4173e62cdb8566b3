// Response fixtures shaped like the API's (with __typename, as the cache expects).

export const CAMPAIGN_ID = 'Q2FtcGFpZ246MQ==';

export function task(index: number, patch: Record<string, unknown> = {}) {
  return {
    __typename: 'Task',
    id: `task-${index}`,
    index,
    status: 'QUEUED',
    config: { lr: 0.001 * (index + 1), schedule: index % 2 ? 'linear' : 'cosine' },
    valBpb: null,
    simulated: false,
    attempts: 0,
    failureReason: null,
    finishedAt: null,
    updatedAt: '2026-11-22T07:59:00.000Z',
    description: null,
    parentId: null,
    mark: null,
    role: 'EXPLORE',
    budgetScale: 1,
    validation: null,
    progress: null,
    worker: null,
    result: null,
    ...patch,
  };
}

export function succeeded(index: number, valBpb: number, patch: Record<string, unknown> = {}) {
  const finishedAt = new Date(Date.UTC(2026, 10, 22, 8, 0, index)).toISOString();
  return task(index, {
    status: 'SUCCEEDED',
    mark: 'KEEP',
    valBpb,
    attempts: 1,
    finishedAt,
    updatedAt: finishedAt,
    worker: { __typename: 'Worker', name: 'laptop' },
    result: { __typename: 'RunResult', steps: 100 + index, wallS: 2.5, trainLoss: valBpb * 0.7 },
    ...patch,
  });
}

export function stats(patch: Record<string, unknown> = {}) {
  return {
    __typename: 'CampaignStats',
    total: 3,
    queued: 3,
    leased: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    simulated: 0,
    bestValBpb: null,
    meanValBpb: null,
    stdValBpb: null,
    verified: 0,
    pendingVerification: 0,
    pendingBestValBpb: null,
    ...patch,
  };
}

export function point(t: ReturnType<typeof task>) {
  return {
    __typename: 'ResultPoint',
    taskId: t.id,
    index: t.index,
    valBpb: t.valBpb,
    finishedAt: t.finishedAt,
    config: t.config,
    simulated: t.simulated,
    validation: t.validation,
  };
}

export function campaignDetail(patch: Record<string, unknown> = {}) {
  return {
    __typename: 'Campaign',
    id: CAMPAIGN_ID,
    name: 'Cosine vs linear',
    status: 'RUNNING',
    createdAt: '2026-11-22T08:00:00.000Z',
    finishedAt: null,
    taskCount: 3,
    owner: { __typename: 'Account', id: 'acc-1', name: 'Ada' },
    stats: stats(),
    bestTask: null,
    hypothesis: 'Cosine beats linear at small budgets.',
    searchSpace: { lr: { type: 'loguniform', low: 0.001, high: 0.01 }, schedule: { type: 'choice', values: ['cosine', 'linear'] }, n_head: 4 },
    strategy: 'RANDOM',
    strategyOptions: {},
    confirm: null,
    seed: 0,
    budgetS: 3,
    maxAttempts: 3,
    visibility: 'PRIVATE',
    allowSimulated: false,
    costCredits: 9,
    script: { __typename: 'Artifact', id: 'script-1', name: 'char-tiny', title: 'Tiny' },
    dataset: { __typename: 'Artifact', id: 'dataset-1', name: 'brown', title: 'Brown corpus' },
    resultPoints: [],
    ...patch,
  };
}

export const me = { __typename: 'Account', id: 'acc-1', role: 'RESEARCHER' };
