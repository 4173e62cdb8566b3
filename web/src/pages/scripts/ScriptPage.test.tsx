import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeApi } from '../../test/fake-api';
import { renderPage } from '../../test/render';
import ScriptPage from './ScriptPage';
import { ScriptsPage } from './ScriptsPage';

const account = (id: string, name: string) => ({ __typename: 'Account', id, name });

function script(patch: Record<string, unknown> = {}) {
  return {
    __typename: 'Script',
    id: 'script-2',
    name: 'my-mlp',
    version: 2,
    description: 'An MLP with a wider hidden layer.',
    reviewState: 'PENDING_REVIEW',
    reviewReason: null,
    reviewedAt: null,
    reviewedBy: null,
    trust: 'OWN',
    builtin: false,
    sha256: 'ab'.repeat(32),
    signature: null,
    signingKeyId: null,
    createdAt: '2026-11-22T08:00:00.000Z',
    source: 'import torch\nhidden = 512\n',
    diff: '--- my-mlp v1\n+++ my-mlp v2\n-hidden = 256\n+hidden = 512\n',
    owner: account('acc-2', 'Bob'),
    parent: { __typename: 'Script', id: 'script-1', name: 'my-mlp', version: 1 },
    campaigns: [{ __typename: 'Campaign', id: 'c1', name: 'Wider MLP', status: 'COMPLETED' }],
    ...patch,
  };
}

describe('ScriptPage', () => {
  it('shows the source, the diff against its parent and the campaigns; a reviewer approves it', async () => {
    let state = 'PENDING_REVIEW';
    const api = new FakeApi({
      ScriptDetail: () => ({ script: script({ reviewState: state }), me: { __typename: 'Account', id: 'acc-9', role: 'REVIEWER' } }),
      ApproveScript: () => {
        state = 'APPROVED';
        return { approveScript: { __typename: 'MutationApproveScriptSuccess' } };
      },
    });
    renderPage(<ScriptPage />, api, { path: '/scripts/:id', at: '/scripts/script-2' });
    expect(await screen.findByTestId('script-source')).toHaveTextContent('hidden = 512');
    expect(screen.getByTestId('script-diff').querySelector('.diff__add')).toHaveTextContent('+hidden = 512');
    expect(screen.getByTestId('script-diff').querySelector('.diff__del')).toHaveTextContent('-hidden = 256');
    expect(screen.getByRole('link', { name: 'Wider MLP' })).toHaveAttribute('href', '/campaigns/c1');
    expect(screen.getByRole('link', { name: 'my-mlp v1' })).toHaveAttribute('href', '/scripts/script-1');
    expect(screen.getByTestId('review-state')).toHaveTextContent('pending review');
    // A rejection needs a reason.
    expect(screen.getByRole('button', { name: 'Reject' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Approve and sign' }));
    await waitFor(() => expect(screen.getByTestId('review-state')).toHaveTextContent('approved'));
    expect(screen.queryByRole('button', { name: 'Approve and sign' })).toBeNull();
  });

  it('shows a rejection’s reason and no review buttons to the owner', async () => {
    const api = new FakeApi({
      ScriptDetail: () => ({ script: script({ reviewState: 'REJECTED', reviewReason: 'reads files outside its folder' }), me: { __typename: 'Account', id: 'acc-2', role: 'RESEARCHER' } }),
    });
    renderPage(<ScriptPage />, api, { path: '/scripts/:id', at: '/scripts/script-2' });
    expect(await screen.findByTestId('review-reason')).toHaveTextContent('reads files outside its folder');
    expect(screen.queryByRole('button', { name: 'Approve and sign' })).toBeNull();
  });
});

describe('ScriptsPage', () => {
  const list = (nodes: unknown[], name: string) => ({
    __typename: name,
    totalCount: nodes.length,
    edges: nodes.map((node) => ({ __typename: `${name}Edge`, node })),
  });

  it('shows reviewers the queue above every script they can see', async () => {
    const pending = script();
    const builtin = script({ id: 'script-0', name: 'char-tiny', version: 1, reviewState: 'APPROVED', trust: 'BUILTIN', builtin: true, owner: null });
    const api = new FakeApi({
      ScriptsMe: () => ({ me: { __typename: 'Account', id: 'acc-9', role: 'REVIEWER' } }),
      Scripts: (variables) => ({
        scripts: list([pending, builtin], 'QueryScriptsConnection'),
        ...(variables.reviewer ? { reviewQueue: list([pending], 'QueryReviewQueueConnection') } : {}),
        me: { __typename: 'Account', id: 'acc-9', role: 'REVIEWER' },
      }),
    });
    renderPage(<ScriptsPage />, api);
    const queue = await screen.findByTestId('review-queue');
    expect(queue).toHaveTextContent('Review queue (1)');
    expect(queue).toHaveTextContent('my-mlp');
    expect(screen.getAllByTestId('script-row')).toHaveLength(3);
    expect(screen.getByText('built in')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Upload for review' })).toBeInTheDocument();
  });

  it('checks the upload form before sending anything', async () => {
    const api = new FakeApi({
      ScriptsMe: () => ({ me: { __typename: 'Account', id: 'acc-2', role: 'RESEARCHER' } }),
      Scripts: () => ({ scripts: list([], 'QueryScriptsConnection'), me: { __typename: 'Account', id: 'acc-2', role: 'RESEARCHER' } }),
    });
    renderPage(<ScriptsPage />, api);
    await screen.findByRole('button', { name: 'Upload for review' });
    expect(screen.queryByTestId('review-queue')).toBeNull();
    await userEvent.clear(screen.getByLabelText('Default search space (JSON)'));
    await userEvent.type(screen.getByLabelText('Default search space (JSON)'), 'lr=1');
    await userEvent.click(screen.getByRole('button', { name: 'Upload for review' }));
    expect(screen.getByLabelText('Default search space (JSON)')).toHaveAccessibleDescription('This is not valid JSON.');
    expect(screen.getByLabelText('Python file')).toHaveAccessibleDescription('Choose the .py file.');
  });
});
