// The GraphQL operations of the reference agent, typed by graphql-codegen from schema.graphql.
import { graphql } from '../gql/index.ts';

export const AgentSetup = graphql(`
  query AgentSetup {
    me { id name balance }
    scripts: artifacts(kind: SCRIPT, first: 50) { edges { node { sha256 name searchSpace defaultBudgetS available } } }
  }
`);

export const SubmitAgentCampaign = graphql(`
  mutation SubmitAgentCampaign($input: SubmitBriefInput!) {
    submitBrief(input: $input) {
      __typename
      ... on MutationSubmitBriefSuccess { data { id taskCount budgetS searchSpace } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on Error { message }
    }
  }
`);

export const ProposeExperiments = graphql(`
  mutation ProposeExperiments($campaignId: ID!, $experiments: [ExperimentInput!]!) {
    proposeExperiments(campaignId: $campaignId, experiments: $experiments) {
      __typename
      ... on MutationProposeExperimentsSuccess { data { tasks { id index } campaign { proposalsRemaining } } }
      ... on TaskBudgetExceededError { message requested remaining }
      ... on ValidationError { message fieldErrors { path message } }
      ... on Error { message }
    }
  }
`);

export const AgentResults = graphql(`
  subscription AgentResults($campaignId: ID!) {
    campaignResults(campaignId: $campaignId) { id index config valBpb status mark description }
  }
`);

export const AgentCampaign = graphql(`
  query AgentCampaign($id: ID!) {
    campaign(id: $id) {
      id status tasksRemaining
      stats { total queued leased succeeded failed bestValBpb }
      tasks(first: 1000, orderBy: INDEX) { edges { node { id index config valBpb status mark description } } }
    }
  }
`);

export const CancelAgentCampaign = graphql(`
  mutation CancelAgentCampaign($id: ID!) {
    cancelCampaign(id: $id) { __typename ... on Error { message } }
  }
`);
