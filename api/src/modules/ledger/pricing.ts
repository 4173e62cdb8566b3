// What compute costs: a campaign reserves budget × tasks × rate up front; each accepted result
// pays its worker the task's share. Integers only, so the ledger never rounds.

export function taskReward(budgetS: number, creditsPerTaskSecond: number): number {
  return budgetS * creditsPerTaskSecond;
}

export function campaignCost(taskCount: number, budgetS: number, creditsPerTaskSecond: number): number {
  return taskCount * taskReward(budgetS, creditsPerTaskSecond);
}
