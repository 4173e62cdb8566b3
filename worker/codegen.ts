// Types the worker's GraphQL operations (src/api/documents.ts) from the API's printed schema
// (../schema.graphql) into src/gql/. Unlike the dashboard's, the output is committed: a checkout
// runs the TypeScript source directly after `npm install`, and the published package compiles it.
// `npm run codegen:check` (part of lint and schema:check) fails when it drifts from the schema.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  silent: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Documents are typed strings (TypedDocumentString): graphql-ws sends the text as is,
        // so nothing is parsed or printed at run time.
        documentMode: 'string',
        importExtension: '.ts',
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: { DateTime: 'string', JSON: 'unknown', File: 'never' },
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        skipTypename: false,
      },
    },
  },
};

export default config;
