// The contract between a campaign and the algorithm that decides what it tries next. Strategies are
// pure and deterministic: the same space, seed and history (in the same order) give the same
// proposals, so a campaign can be replayed and every proposal explained by what it was derived from.
import type { Scalar, SearchSpace } from '../campaigns/search-space.ts';

export type TaskConfig = Record<string, Scalar>;

/** What a strategy knows about one task the campaign already has. Order = the order results arrived. */
export interface Observation {
  /** Stable id of the task (the database id); proposals name their parent by it. */
  taskId: string;
  config: TaskConfig;
  seed: number;
  /** Multiplier of the campaign's base budget this task ran with (1 unless ASHA promoted it). */
  budgetScale: number;
  /** `running` = leased or queued, no result yet (TPE's constant liar treats these as bad). */
  state: 'running' | 'completed' | 'failed';
  /** The canonical metric (val_bpb; lower is better) once completed. */
  value: number | null;
}

export interface Proposal {
  config: TaskConfig;
  /** Training seed for the run; replicates of one config differ only here. */
  seed: number;
  budgetScale: number;
  /** One line saying what changed and why ("lr 3e-4 → 1e-3 around the best", "TPE: l/g = 4.2"). */
  description: string;
  /** The task this proposal was derived from, when there is one (local, ASHA promotion, replicate). */
  parentTaskId: string | null;
  /** Machine-readable provenance stored with the task: strategy name and its inputs. */
  derivedFrom: Record<string, unknown>;
}

export interface StrategyContext {
  space: SearchSpace;
  /** The campaign's seed; the strategy derives all its randomness from it (and the history). */
  seed: number;
  /** Total tasks the campaign may run (its task budget). */
  taskBudget: number;
  /** Strategy parameters from the brief (e.g. { startupTasks: 10 } or { eta: 3, rungs: 3 }). */
  options: Record<string, unknown>;
}

export interface Strategy {
  readonly name: string;
  /**
   * Up to `count` new proposals given everything observed so far. May return fewer (even zero) when
   * the strategy must wait for results (e.g. local waiting for its current candidate); never more.
   */
  propose(context: StrategyContext, history: readonly Observation[], count: number): Proposal[];
}
