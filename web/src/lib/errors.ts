// Turns whatever a query or mutation failed with into a sentence that says what happened and
// what to do about it.
import { CombinedGraphQLErrors, ServerError, ServerParseError } from '@apollo/client';

export interface Explained {
  title: string;
  detail: string;
}

export function explainError(error: unknown, what: string): Explained {
  if (ServerError.is(error)) {
    if (error.statusCode === 401) {
      return { title: 'Your token was rejected', detail: 'Sign in again with a valid API token.' };
    }
    if (error.statusCode === 413) {
      return { title: `The request for ${what} was too large`, detail: 'Send less data at once (a smaller file or fewer items).' };
    }
    return {
      title: `The API failed to load ${what} (HTTP ${error.statusCode})`,
      detail: 'This is a server problem: check the API log, then retry.',
    };
  }
  if (ServerParseError.is(error)) {
    return {
      title: `The API sent an unreadable answer for ${what}`,
      detail: 'The server at /graphql may not be the XeeNet API. Check the API URL (XEENET_API_URL in development).',
    };
  }
  if (CombinedGraphQLErrors.is(error)) {
    const messages = [...new Set(error.errors.map((e) => e.message))].join('; ');
    return { title: `Could not load ${what}`, detail: `${messages}. Retry, or check the API log if it persists.` };
  }
  if (error instanceof TypeError || (error instanceof Error && /fetch|network/i.test(error.message))) {
    return {
      title: 'Cannot reach the XeeNet API',
      detail: 'Check that the API is running (npm start) and that you are online, then retry.',
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { title: `Could not load ${what}`, detail: `${message}. Retry in a moment.` };
}
