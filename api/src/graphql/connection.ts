// Relay connections over MikroORM's cursor pagination, with page-size limits that bound the cost.
import type { Cursor } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
import type { CursorPage } from '../modules/pagination.ts';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/** Validates first/last against a maximum and returns MikroORM cursor options. */
export function pageOptions(args: PageArgs, defaultSize: number, maxSize: number): CursorPage {
  for (const key of ['first', 'last'] as const) {
    const value = args[key];
    if (value != null && (value < 0 || value > maxSize)) {
      throw new GraphQLError(`"${key}" must be between 0 and ${maxSize}`, { extensions: { code: 'BAD_USER_INPUT' } });
    }
  }
  if (args.first != null && args.last != null) {
    throw new GraphQLError('pass either "first" or "last", not both', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const size = args.first ?? args.last ?? defaultSize;
  return args.last != null
    ? { last: size, before: args.before ?? undefined, after: args.after ?? undefined }
    : { first: size, after: args.after ?? undefined, before: args.before ?? undefined };
}

export async function paginate<T extends object>(load: () => Promise<Cursor<T>>): Promise<ConnectionShape<T>> {
  let cursor: Cursor<T>;
  try {
    cursor = await load();
  } catch (error) {
    if (error instanceof Error && /cursor/i.test(error.message)) {
      throw new GraphQLError('the pagination cursor is not valid for this list', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    throw error;
  }
  return {
    edges: cursor.items.map((node) => ({ cursor: cursor.from(node), node })),
    pageInfo: {
      hasNextPage: cursor.hasNextPage,
      hasPreviousPage: cursor.hasPrevPage,
      startCursor: cursor.startCursor,
      endCursor: cursor.endCursor,
    },
    totalCount: cursor.totalCount,
  };
}

export function connectionComplexity(maxSize: number, defaultSize: number) {
  return (args: PageArgs) => ({ field: 1, multiplier: Math.min(args.first ?? args.last ?? defaultSize, maxSize) });
}
