// A page of a list, as services take it: validated by the GraphQL layer (graphql/connection.ts),
// handed to MikroORM's cursor pagination unchanged.
export interface CursorPage {
  first?: number;
  last?: number;
  after?: string;
  before?: string;
}
