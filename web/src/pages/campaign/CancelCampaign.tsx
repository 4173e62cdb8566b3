import { useMutation } from '@apollo/client/react';
import { useRef, useState } from 'react';
import { graphql } from '../../gql';
import { formatInt } from '../../lib/format';

const CancelCampaignMutation = graphql(`
  mutation CancelCampaign($id: ID!) {
    cancelCampaign(id: $id) {
      __typename
      ... on MutationCancelCampaignSuccess {
        data {
          ...CampaignSummary
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

interface Props {
  campaignId: string;
  unfinished: number;
  /** Reload tasks and points after the bulk change. */
  onCancelled: () => Promise<unknown>;
}

/** Cancelling needs a second, explicit confirmation: it stops work and cannot be undone. */
export function CancelCampaign({ campaignId, unfinished, onCancelled }: Props) {
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [cancel, { loading }] = useMutation(CancelCampaignMutation);
  const trigger = useRef<HTMLButtonElement>(null);

  async function confirm() {
    setMessage(null);
    try {
      // The refund reaches the header through balanceChanged.
      const { data } = await cancel({ variables: { id: campaignId } });
      const result = data?.cancelCampaign;
      if (result?.__typename === 'MutationCancelCampaignSuccess') {
        setConfirming(false);
        await onCancelled();
      } else if (result) {
        setMessage(`${result.message}. Reload the page to see the campaign's current state.`);
      }
    } catch (error) {
      setMessage(`The campaign could not be cancelled: ${error instanceof Error ? error.message : String(error)}. Try again.`);
    }
  }

  if (!confirming) {
    return (
      <>
        <button ref={trigger} type="button" className="button button--danger" onClick={() => setConfirming(true)}>
          Cancel campaign
        </button>
        {message && (
          <p className="field__error" role="alert">
            {message}
          </p>
        )}
      </>
    );
  }
  return (
    <div className="confirm" role="group" aria-label="Confirm cancellation">
      <p>
        Stop {formatInt(unfinished)} unfinished {unfinished === 1 ? 'task' : 'tasks'} and return their unspent credits? Finished results are kept.
      </p>
      <div className="confirm__actions">
        <button type="button" className="button button--danger" onClick={() => void confirm()} disabled={loading} autoFocus>
          {loading ? 'Cancelling…' : 'Yes, cancel it'}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            setConfirming(false);
            trigger.current?.focus();
          }}
          disabled={loading}
        >
          Keep running
        </button>
      </div>
      {message && (
        <p className="field__error" role="alert">
          {message}
        </p>
      )}
    </div>
  );
}
