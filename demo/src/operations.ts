// The GraphQL operations the demo uses, typed by graphql-codegen from schema.graphql.
import { graphql } from './gql/index.ts';

export const DemoSetup = graphql(`
  query DemoSetup {
    me { id name role balance }
    scripts: artifacts(kind: SCRIPT, first: 50) {
      edges { node { sha256 name searchSpace defaultBudgetS available } }
    }
    datasets: artifacts(kind: DATASET, first: 50) {
      edges { node { sha256 name title available unavailableReason source } }
    }
    creditsPerTaskSecond
  }
`);

export const SubmitDemo = graphql(`
  mutation SubmitDemo($input: SubmitBriefInput!) {
    submitBrief(input: $input) {
      __typename
      ... on MutationSubmitBriefSuccess { data { id name taskCount budgetS costCredits } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on InsufficientCreditsError { message required available }
      ... on Error { message }
    }
  }
`);

export const CampaignProgress = graphql(`
  subscription CampaignProgress($id: ID!) {
    campaignUpdated(id: $id) {
      id
      status
      stats { total queued leased succeeded failed cancelled bestValBpb }
    }
  }
`);

export const TaskUpdates = graphql(`
  subscription TaskUpdates($campaignId: ID!) {
    taskUpdated(campaignId: $campaignId) {
      id index status attempts valBpb failureReason
      result { steps wallS }
    }
  }
`);

export const CampaignResults = graphql(`
  query CampaignResults($id: ID!, $after: String) {
    campaign(id: $id) {
      id
      status
      stats { total queued leased succeeded failed cancelled bestValBpb }
      tasks(first: 100, after: $after, orderBy: INDEX) {
        pageInfo { hasNextPage endCursor }
        edges { node { index status config valBpb result { valBpb steps wallS } } }
      }
    }
  }
`);
