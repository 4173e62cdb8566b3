// Refreshes the machine's name, slots and hardware on the server once per start (registration
// happens once; a renamed machine or a new GPU would never show otherwise). A transport failure is
// retried after the next reconnection; a refusal is logged and not retried.
import { type ApiClient, ServerError, TokenRejectedError } from './api/client.ts';
import { describeError, type HardwareInput, isSuccess, UPDATE_WORKER } from './api/documents.ts';
import type { Logger } from './log.ts';

export interface WorkerProfile {
  name: string;
  slots: number;
  hardware: HardwareInput;
}

export class ProfileUpdater {
  private state: 'pending' | 'sending' | 'done' = 'pending';
  private readonly client: ApiClient;
  private readonly log: Logger;
  private readonly profile: WorkerProfile | null;
  private readonly onUpdated: (profile: WorkerProfile) => void;

  constructor(options: { client: ApiClient; log: Logger; profile: WorkerProfile | null; onUpdated?(profile: WorkerProfile): void }) {
    this.client = options.client;
    this.log = options.log;
    this.profile = options.profile;
    this.onUpdated = options.onUpdated ?? (() => {});
  }

  /** Called after every (re)connection; sends the profile until the server has answered once. */
  async send(): Promise<void> {
    const profile = this.profile;
    if (!profile || this.state !== 'pending') return;
    this.state = 'sending';
    try {
      const { updateWorker } = await this.client.request(UPDATE_WORKER, { input: profile });
      this.state = 'done';
      if (isSuccess(updateWorker)) {
        this.log.info('updated this machine’s profile on the server', { name: profile.name, slots: profile.slots });
        this.onUpdated(profile);
      } else {
        this.log.warn('the server refused this machine’s profile update', { error: describeError(updateWorker) });
      }
    } catch (error) {
      if (error instanceof ServerError || error instanceof TokenRejectedError) {
        this.state = 'done';
        this.log.warn('the server cannot update this machine’s profile (an older API?); it keeps the registered one', { error: error.message });
      } else {
        this.state = 'pending';
      }
    }
  }
}
