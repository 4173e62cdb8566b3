// Who may see a campaign: everyone sees public ones, owners their own, admins all. Everything a
// campaign owns (its tasks, their results, the configs they ran, an uploaded dataset it uses) is
// visible exactly when the campaign is. The rule in its three forms, side by side: a predicate for
// loaded rows, a MikroORM filter for lists, and a SQL condition for hand-written queries.
import { type RawBuilder, sql } from 'kysely';
import type { Viewer } from '../accounts/viewer.ts';

/** What the rule looks at: a Campaign entity fits. */
export interface CampaignAudience {
  visibility: string;
  owner: { id: string };
}

export function canViewCampaign(viewer: Viewer | null, campaign: CampaignAudience): boolean {
  return campaign.visibility === 'public' || viewer?.role === 'admin' || (viewer !== null && campaign.owner.id === viewer.accountId);
}

/** The rule as a MikroORM filter on Campaign (null: no restriction). */
export function visibleCampaignsFilter(viewer: Viewer | null): Record<string, unknown> | null {
  if (viewer?.role === 'admin') return null;
  return { $or: viewer ? [{ visibility: 'public' }, { owner: viewer.accountId }] : [{ visibility: 'public' }] };
}

/** The rule as a SQL condition on the campaign table aliased `alias`. */
export function visibleCampaignSql(viewer: Viewer | null, alias: string): RawBuilder<boolean> {
  const c = sql.ref(alias);
  if (viewer?.role === 'admin') return sql<boolean>`true`;
  if (!viewer) return sql<boolean>`${c}.visibility = 'public'`;
  return sql<boolean>`(${c}.visibility = 'public' or ${c}.owner_id = ${viewer.accountId}::uuid)`;
}
