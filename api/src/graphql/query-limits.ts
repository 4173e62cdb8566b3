// Limits checked while a document is validated, before anything runs, for HTTP and WebSocket
// operations alike. The complexity plugin (builder.ts) counts our own fields but not introspection,
// and runs only once a root field of ours resolves, so an operation of 1,000 aliased `__schema`
// selections went unchecked (44 MB of response). Here introspection counts:
//   - at most one `__schema` and 20 `__type` selections per operation (aliases and fragments included);
//   - below them, a type reached through `type`, `ofType`, `interfaces`, `possibleTypes` or a root
//     type may select only scalars and `ofType` (the TypeRef shape every client's introspection
//     query uses), so the answer is at most the schema once: it cannot recurse into itself;
//   - and an operation selects at most 2,000 fields in all, once fragments are expanded.
// GraphiQL's and graphql-codegen's introspection queries pass all three.
import { type ASTVisitor, type FragmentDefinitionNode, GraphQLError, Kind, type SelectionSetNode, type ValidationContext } from 'graphql';

export const INTROSPECTION_LIMITS = { schema: 1, type: 20, typeRefDepth: 16 };
export const MAX_SELECTIONS = 2_000;

/** What an introspection selection set is selected on: a full __Type (its details) or a reference to one. */
type Shape = '__Schema' | 'full' | 'ref' | '__Field' | '__InputValue' | '__EnumValue' | '__Directive' | 'leaf';

const CHILDREN: Record<Exclude<Shape, 'leaf'>, Record<string, Shape>> = {
  __Schema: { types: 'full', queryType: 'ref', mutationType: 'ref', subscriptionType: 'ref', directives: '__Directive' },
  full: { fields: '__Field', inputFields: '__InputValue', interfaces: 'ref', possibleTypes: 'ref', enumValues: '__EnumValue', ofType: 'ref' },
  ref: { ofType: 'ref' },
  __Field: { args: '__InputValue', type: 'ref' },
  __InputValue: { type: 'ref' },
  __EnumValue: {},
  __Directive: { args: '__InputValue' },
};

class LimitExceeded extends Error {}

function refusal(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_LIMIT' } });
}

export function queryLimitsRule(context: ValidationContext): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  return {
    OperationDefinition(operation) {
      let selections = 0;
      const roots = { schema: 0, type: 0 };
      const active = new Set<string>();

      /** Visits every field of a selection set, fragments expanded; `shape` is set inside introspection. */
      const walk = (set: SelectionSetNode, shape: Shape | null, refDepth: number, atRoot: boolean): void => {
        for (const selection of set.selections) {
          if (selection.kind === Kind.INLINE_FRAGMENT) {
            walk(selection.selectionSet, shape, refDepth, atRoot);
            continue;
          }
          if (selection.kind === Kind.FRAGMENT_SPREAD) {
            const name = selection.name.value;
            const fragment = fragments.get(name);
            // Unknown and cyclic fragments are reported by graphql-js's own rules.
            if (!fragment || active.has(name)) continue;
            active.add(name);
            walk(fragment.selectionSet, shape, refDepth, atRoot);
            active.delete(name);
            continue;
          }
          if (++selections > MAX_SELECTIONS) {
            throw new LimitExceeded(`the operation selects more than ${MAX_SELECTIONS} fields (fragments expanded, aliases included)`);
          }
          const field = selection.name.value;
          let child: Shape | null = null;
          if (atRoot && (field === '__schema' || field === '__type')) {
            const kind = field === '__schema' ? 'schema' : 'type';
            if (++roots[kind] > INTROSPECTION_LIMITS[kind]) {
              throw new LimitExceeded(
                `introspection is limited to ${INTROSPECTION_LIMITS.schema} __schema and ${INTROSPECTION_LIMITS.type} __type selections per operation`,
              );
            }
            child = field === '__schema' ? '__Schema' : 'full';
          } else if (shape && shape !== 'leaf' && field !== '__typename') {
            child = CHILDREN[shape][field] ?? 'leaf';
            if (shape === 'ref' && child === 'leaf' && selection.selectionSet) {
              throw new LimitExceeded(
                `introspection: a type reached through a reference may select only its scalars and ofType, not "${field}"; query __type(name:) for its details`,
              );
            }
          }
          if (!selection.selectionSet) continue;
          const depth = child === 'ref' && field === 'ofType' ? refDepth + 1 : 0;
          if (depth > INTROSPECTION_LIMITS.typeRefDepth) {
            throw new LimitExceeded(`introspection: ofType nests at most ${INTROSPECTION_LIMITS.typeRefDepth} levels`);
          }
          walk(selection.selectionSet, child, depth, false);
        }
      };

      try {
        walk(operation.selectionSet, null, 0, operation.operation === 'query');
      } catch (error) {
        if (!(error instanceof LimitExceeded)) throw error;
        context.reportError(refusal(`${error.message}; the request was refused before it ran`));
      }
    },
  };
}
