// What compute costs: a campaign reserves budget × tasks × rate up front; each accepted result
// pays its worker the task's share. Integers only, so the ledger never rounds.

export function taskReward(budgetS: number, creditsPerTaskSecond: number): number {
  return budgetS * creditsPerTaskSecond;
}

export function campaignCost(taskCount: number, budgetS: number, creditsPerTaskSecond: number): number {
  return taskCount * taskReward(budgetS, creditsPerTaskSecond);
}

/**
 * Replicas a campaign's quote reserves: the expected share of replicated tasks plus the top
 * results confirmed once it finishes. Unused reserve returns to the owner when it closes.
 */
export function verificationTasks(taskCount: number, reserveShare: number, top: number): number {
  return Math.ceil(taskCount * reserveShare) + Math.min(top, taskCount);
}
