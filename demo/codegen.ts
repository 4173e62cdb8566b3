// Types every operation in src/ from the API's printed schema (../schema.graphql), so the demo
// reads the API the way an integrator's client should. Output: src/gql/ (gitignored).
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
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        // Node runs the TypeScript directly, so relative imports need their real extension.
        importExtension: '.ts',
        scalars: { DateTime: 'string', JSON: 'unknown', File: 'File' },
      },
    },
  },
};

export default config;
