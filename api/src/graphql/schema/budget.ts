// Budgets as GraphQL types: what a brief asks for (BudgetInput), what a campaign or task has
// (Budget), shared by the campaign, task and lease types.
import type { Budget } from '../../modules/campaigns/budget.ts';
import { builder } from '../builder.ts';

export const BudgetKindEnum = builder.enumType('BudgetKind', {
  description: 'How a task’s budget is measured.',
  values: {
    WALL: { value: 'wall', description: 'Seconds of training on the worker’s clock; results compare only within one hardware class.' },
    COMPUTE: {
      value: 'compute',
      description: 'A fixed amount of work (training tokens or FLOPs): the same steps and the same result on every machine of a class.',
    },
  } as const,
});

export const ComputeUnitEnum = builder.enumType('ComputeUnit', {
  description: 'What a compute budget counts; each training script declares one in its manifest.',
  values: {
    TOKENS: { value: 'tokens', description: 'Training tokens (predictions): steps = floor(amount / (batch_size × block_size)). Passed as budget_tokens.' },
    FLOPS: { value: 'flops', description: 'Training FLOPs as the script counts them per token. Passed as budget_flops.' },
  } as const,
});

export const RateClassEnum = builder.enumType('RateClass', {
  description: 'The coarse hardware class a wall budget runs on and is priced in.',
  values: {
    CPU: { value: 'cpu', description: 'Workers that train on CPU cores (XEENET_CREDITS_PER_TASK_SECOND per second).' },
    GPU: { value: 'gpu', description: 'Workers that train on a GPU, CUDA or MPS (XEENET_CREDITS_PER_GPU_SECOND per second).' },
  } as const,
});

export const BudgetRef = builder.objectRef<Budget>('Budget').implement({
  description: 'A per-task budget: wall seconds on one hardware class, or a fixed amount of compute with a wall-clock cap.',
  fields: (t) => ({
    kind: t.field({ type: BudgetKindEnum, description: 'Wall seconds or a fixed amount of compute.', resolve: (b) => b.kind }),
    seconds: t.int({ nullable: true, description: 'Wall budgets: seconds of training per task.', resolve: (b) => (b.kind === 'wall' ? b.seconds : null) }),
    hardware: t.field({
      type: RateClassEnum,
      nullable: true,
      description: 'Wall budgets: the one class the campaign runs on.',
      resolve: (b) => (b.kind === 'wall' ? b.hardware : null),
    }),
    unit: t.field({ type: ComputeUnitEnum, nullable: true, description: 'Compute budgets: what amount counts.', resolve: (b) => (b.kind === 'compute' ? b.unit : null) }),
    amount: t.float({
      nullable: true,
      description: 'Compute budgets: training tokens or FLOPs per task; the script trains exactly the steps they buy.',
      resolve: (b) => (b.kind === 'compute' ? b.amount : null),
    }),
    maxWallS: t.int({
      nullable: true,
      description: 'Compute budgets: the most seconds a task may take on any machine (a calibrated worker gets a cap fitted to its speed).',
      resolve: (b) => (b.kind === 'compute' ? b.maxWallS : null),
    }),
  }),
});

export const BudgetInputRef = builder.inputType('BudgetInput', {
  description: 'A brief’s per-task budget. Without one, a brief gets a compute budget (the script’s default amount) when its script accepts compute budgets.',
  fields: (t) => ({
    kind: t.field({ type: BudgetKindEnum, description: 'Default: COMPUTE when the script accepts it, else WALL (WALL when only the old budgetS is given).' }),
    seconds: t.int({ description: 'WALL: seconds per task (1 to 86,400).' }),
    hardware: t.field({ type: RateClassEnum, description: 'WALL: the hardware class the campaign runs on and is priced in. Default CPU.' }),
    amount: t.float({ description: 'COMPUTE: training tokens or FLOPs per task, in the unit the script declares. Default: the script’s defaultCompute.' }),
    maxWallS: t.int({ description: 'COMPUTE: wall-clock cap per task on any machine, in seconds. Default XEENET_COMPUTE_MAX_WALL_S.' }),
  }),
});
