import { gql } from './harness.ts';

/** Submits a brief through the API (for seeding; the e2e submits its own through the form). */
export async function submitBrief(url: string, token: string, input: Record<string, unknown>): Promise<string> {
  const data = await gql<{ submitBrief: { __typename: string; data?: { id: string }; message?: string; fieldErrors?: unknown } }>(
    url,
    token,
    `mutation($input: SubmitBriefInput!) { submitBrief(input: $input) { __typename
      ... on MutationSubmitBriefSuccess { data { id } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on Error { message } } }`,
    { input },
  );
  if (!data.submitBrief.data) throw new Error(`submitBrief: ${data.submitBrief.message} ${JSON.stringify(data.submitBrief.fieldErrors ?? '')}`);
  return data.submitBrief.data.id;
}
