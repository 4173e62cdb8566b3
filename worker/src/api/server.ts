// The server a worker talks to, from what the user typed: http://host:4000, https://x/y or …/graphql.

export interface ServerUrls {
  /** Normalised base URL; also the key under which this machine's token is stored. */
  base: string;
  graphqlHttp: string;
  graphqlWs: string;
}

export class ServerUrlError extends Error {}

export function parseServer(input: string): ServerUrls {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new ServerUrlError(`--server must be a URL like http://localhost:4000 (got ${JSON.stringify(input)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ServerUrlError(`--server must start with http:// or https:// (got ${url.protocol}//)`);
  }
  if (url.username || url.password) throw new ServerUrlError('--server must not contain credentials; use --token');
  const pathname = url.pathname.replace(/\/+$/, '').replace(/\/graphql$/, '');
  const base = `${url.origin}${pathname}`;
  const wsOrigin = url.origin.replace(/^http/, 'ws');
  return { base, graphqlHttp: `${base}/graphql`, graphqlWs: `${wsOrigin}${pathname}/graphql` };
}

/** An artifact URL from a lease (relative to the server unless the API has a public URL). */
export function artifactUrl(server: ServerUrls, url: string): string {
  return new URL(url, `${server.base}/`).toString();
}
