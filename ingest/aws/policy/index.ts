/** Exact IAM policy evaluation: public surface. */
export { type ActionCatalog, type CatalogAction, loadCatalog } from './catalog.js';
export {
  type ConditionContext,
  contextOf,
  evaluateConditionBlock,
  evaluateOperator,
  type Tri,
  type UndecidedCondition,
} from './conditions.js';
export {
  actionMatches,
  type CompiledStatement,
  compilePolicy,
  type Decision,
  type EvaluateOptions,
  evaluateRequest,
  type Grant,
  type NamedPolicy,
  type PolicyDocument,
  type PolicySet,
  principalMatch,
  type Request,
  type RequestPrincipal,
  type Statement,
  statementsOf,
} from './evaluate.js';
export { globIntersects, globMatch, resourceMatch } from './glob.js';
