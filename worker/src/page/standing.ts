// The account's standing for the local page, asked of the API with the worker's own token every
// 30 s and shortly after each delivered result: the balance (`me`) and the account's row of the leaderboard (credits earned, compute
// hours, verified results, rank). What the API does not offer (credits pending, reputation) stays
// null, which the page shows as "not available".
import type { ApiClient } from '../api/client.ts';
import { VOLUNTEER_STANDING } from '../api/documents.ts';
import type { Logger } from '../log.ts';
import type { AccountStanding, StatusModel } from './model.ts';

const BOARD_SIZE = 100;

export function standingFrom(data: {
  me: { id: string; name: string; balance?: number | null } | null;
  leaderboard: { account: { id: string }; earned: number; computeHours: number; verifiedResults: number }[];
}): AccountStanding {
  const me = data.me;
  const index = me ? data.leaderboard.findIndex((row) => row.account.id === me.id) : -1;
  const row = index >= 0 ? data.leaderboard[index]! : null;
  // Not on a board shorter than its limit: nothing earned or accepted yet. Beyond a full board: unknown.
  const absent = !row && data.leaderboard.length < BOARD_SIZE;
  return {
    name: me?.name ?? null,
    balance: me?.balance ?? null,
    creditsEarned: row ? row.earned : absent ? 0 : null,
    creditsPending: null,
    computeHours: row ? row.computeHours : absent ? 0 : null,
    verifiedResults: row ? row.verifiedResults : absent ? 0 : null,
    reputation: null,
    rank: row ? index + 1 : null,
    fetchedAt: new Date().toISOString(),
    error: null,
  };
}

export function watchStanding(options: { client: ApiClient; model: StatusModel; log: Logger; intervalMs?: number }): () => void {
  const { client, model } = options;
  let stopped = false;
  const refresh = async () => {
    if (stopped || !client.connected) return;
    try {
      const data = await client.request(VOLUNTEER_STANDING, {}, 10_000);
      model.account = standingFrom(data);
    } catch (error) {
      const previous = model.account;
      model.account = previous ? { ...previous, error: (error as Error).message } : null;
    }
    model.version++;
  };
  const unsubscribe = client.onConnected(() => void refresh());
  const timer = setInterval(() => void refresh(), options.intervalMs ?? 30_000);
  timer.unref();
  // Several results delivered at once are asked about once.
  let soon: NodeJS.Timeout | null = null;
  const offDelivered = model.onDelivered(() => {
    soon ??= setTimeout(() => {
      soon = null;
      void refresh();
    }, 1000);
  });
  return () => {
    stopped = true;
    clearInterval(timer);
    if (soon) clearTimeout(soon);
    unsubscribe();
    offDelivered();
  };
}
