// The API serves this app from its own port, so every endpoint is relative to the page's origin.
// In development Vite proxies the same paths to the API (see vite.config.ts).

export const GRAPHQL_PATH = '/graphql';

/** ws(s)://<host>/graphql for the page's origin. */
export function graphqlWsUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${GRAPHQL_PATH}`;
}
