// Schema builder setup only; types live one per file under schema/.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import type { RequestContext } from '../context.ts';
import { parseGlobalId } from './global-id.ts';

export const QUERY_LIMITS = { complexity: 20_000, depth: 12, breadth: 300 };

export const builder = new SchemaBuilder<{
  Context: RequestContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    File: { Input: File; Output: never };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [ComplexityPlugin, ErrorsPlugin, RelayPlugin],
  defaultFieldNullability: false,
  errors: {
    defaultTypes: [],
    // Every mutation answers a union of its success type and the typed errors it can return.
    defaultResultOptions: { description: 'The mutation succeeded; its result is in `data`.' },
    defaultUnionOptions: { description: 'Either the success type or one of the typed errors this mutation can return.' },
  },
  relay: {
    clientMutationId: 'omit',
    decodeGlobalID: parseGlobalId,
    cursorType: 'String',
    // `first` already multiplies a connection's cost; the edges list must not multiply it again.
    edgesFieldOptions: {
      nullable: false,
      complexity: { field: 1, multiplier: 1 },
      description: 'The items of this page, each with the cursor that points at it.',
    },
    nodeFieldOptions: { nullable: false, description: 'The item itself.' },
    cursorFieldOptions: { description: 'Opaque position of this item; pass it as `after` or `before` to page from here.' },
    pageInfoFieldOptions: { description: 'Whether more pages exist and the cursors of this page’s ends.' },
    hasNextPageFieldOptions: { description: 'True when items follow this page (page on with `after: endCursor`).' },
    hasPreviousPageFieldOptions: { description: 'True when items precede this page (page back with `before: startCursor`).' },
    startCursorFieldOptions: { description: 'Cursor of the first item of this page; null when the page is empty.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of this page; null when the page is empty.' },
    firstArgOptions: { description: 'Page size, counting forwards from `after` (or the start). Limited per list.' },
    lastArgOptions: { description: 'Page size, counting backwards from `before` (or the end). Limited per list.' },
    afterArgOptions: { description: 'Return items after this cursor (from a previous page’s `endCursor`).' },
    beforeArgOptions: { description: 'Return items before this cursor (from a previous page’s `startCursor`).' },
    pageInfoTypeOptions: { description: 'Relay pagination state of one page of a list.' },
    idFieldOptions: { description: 'Globally unique, opaque id; `node(id:)` fetches the object again.' },
    nodeQueryOptions: {
      description: 'Any object by its global id, or null when unknown or not visible to the caller.',
      args: { id: { description: 'A global id from any object’s `id`.' } },
    },
    nodesQueryOptions: {
      description: 'Several objects by global id, in the same order (null where unknown or not visible).',
      args: { ids: { description: 'Global ids from objects’ `id`.' } },
    },
    nodeTypeOptions: { description: 'An object with a globally unique id that `node(id:)` can fetch again.' },
    defaultConnectionTypeOptions: { description: 'One page of a list, Relay style: edges, page info and the total count.' },
    defaultEdgeTypeOptions: { description: 'One item of a paged list with its cursor.' },
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: QUERY_LIMITS,
  },
});

builder.queryType({ description: 'Reads: campaigns, tasks, results, workers, artifacts, credits.' });
builder.mutationType({ description: 'Writes: briefs, leases and reports, accounts, uploads. Each returns its success type or typed errors.' });
builder.subscriptionType({ description: 'Live updates over graphql-ws (WebSocket at /graphql).' });
