// GET /campaigns/<id>/results.tsv (or .csv, .json): a campaign's results export as a file, for
// curl and spreadsheets. <id> is the campaign's GraphQL id (or its UUID); the same visibility as
// the GraphQL field: public campaigns for anyone, private ones for their owner and admins
// (Authorization: Bearer <token>).
import type { ServerResponse } from 'node:http';
import { type AppDeps, Services } from '../context.ts';
import { parseGlobalId } from '../graphql/global-id.ts';
import type { Viewer } from '../modules/accounts/viewer.ts';
import type { ExportFormat } from '../modules/campaigns/results-export.ts';
import { UUID_PATTERN } from '../modules/validation.ts';

export const RESULTS_EXPORT_PATH = /^\/campaigns\/([^/]+)\/results\.(tsv|csv|json)$/;

const MEDIA_TYPES: Record<ExportFormat, string> = {
  tsv: 'text/tab-separated-values; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

function campaignIdOf(raw: string): string | null {
  const id = decodeURIComponent(raw);
  if (UUID_PATTERN.test(id)) return id;
  try {
    const decoded = parseGlobalId(id);
    return decoded.typename === 'Campaign' ? decoded.id : null;
  } catch {
    return null;
  }
}

/** Sends the export, or a 404 that does not tell a private campaign from a missing one. */
export async function serveResultsExport(deps: AppDeps, viewer: Viewer | null, res: ServerResponse, rawId: string, format: ExportFormat): Promise<void> {
  const services = Services.fork(deps, viewer);
  const campaignId = campaignIdOf(rawId);
  const campaign = campaignId ? await services.campaigns.find(viewer, campaignId) : null;
  if (!campaign) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: `campaign ${rawId} not found`, extensions: { code: 'NOT_FOUND' } }] }));
    return;
  }
  const body = await services.results.export(viewer, campaign, format);
  res.writeHead(200, {
    'content-type': MEDIA_TYPES[format],
    'content-disposition': `attachment; filename="campaign-${campaign.id}-results.${format}"`,
    'cache-control': 'no-store',
  });
  res.end(body);
}
