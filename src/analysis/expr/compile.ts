// jsep's tree → the checked tree evaluate.ts runs. Everything that can be known before a result
// arrives is checked here, so a bad condition fails when the AnalysisRun is planned rather than
// at every measurement: unknown names and functions, argument counts, `#` outside a predicate,
// property names that reach prototypes, literal regular expressions, parenthesis-free mixes of
// `??` with other operators (an error in expr), and conditions that can only compute a non-bool.
// Chained comparisons `a < b < c` become `a < b and b < c`, as expr's parseComparison does.
import type jsep from 'jsep';
import type { BinaryOperator, LogicalOperator, Node, PredicateName, Step, UnaryOperator } from './ast.ts';
import { BUILTINS, type Builtin } from './functions.ts';
import { CompileError, MAX_DEPTH, withExprPrecedence } from './precedence.ts';
import { isPredicateName, PREDICATE_NAMES } from './predicates.ts';
import { compilePattern } from './regex.ts';
import type { RawNode } from './tokens.ts';
import { definiteType, staticType } from './static-type.ts';
import { FORBIDDEN_KEYS, withArticle } from './values.ts';

interface Context {
  /** Inside a predicate, where `#`, `#index` and `.field` mean the current element. */
  readonly predicate: boolean;
  readonly depth: number;
}

const LOGICAL: Readonly<Record<string, LogicalOperator>> = { '&&': 'and', and: 'and', '||': 'or', or: 'or', '??': '??' };
const ARITHMETIC: Readonly<Record<string, BinaryOperator>> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '**': '**', '^': '**' };
const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=', 'in', 'contains', 'startsWith', 'endsWith', 'matches']);
const UNARY: Readonly<Record<string, UnaryOperator>> = { '!': 'not', not: 'not', '-': '-', '+': '+' };

/** expr builtins Sluice does not implement: named as such rather than "unknown". */
const UNSUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  'now', 'duration', 'date', 'timezone', 'split', 'splitAfter', 'replace', 'repeat', 'indexOf', 'lastIndexOf',
  'hasPrefix', 'hasSuffix', 'trimPrefix', 'trimSuffix', 'keys', 'values', 'toJSON', 'fromJSON', 'toBase64',
  'fromBase64', 'toPairs', 'fromPairs', 'type', 'get', 'take', 'reverse', 'sort', 'sortBy', 'groupBy', 'reduce',
  'concat', 'flatten', 'join', 'uniq',
]);

const isComparison = (node: RawNode): boolean => node.type === 'BinaryExpression' && COMPARISONS.has(baseOperator((node as jsep.BinaryExpression).operator));
const baseOperator = (operator: string): string => (operator.startsWith('not ') ? operator.slice(4) : operator);

/** How a node reads in messages: `result.data[0]`, `len(…)`. */
function render(node: RawNode): string {
  if (node.type === 'Identifier') return (node as jsep.Identifier).name;
  if (node.type === 'Literal') return (node as jsep.Literal).raw;
  if (node.type === 'CallExpression') return `${render((node as jsep.CallExpression).callee)}(…)`;
  if (node.type === 'Group') return `(${render(node.expression as RawNode)})`;
  if (node.type !== 'MemberExpression') return '…';
  const member = node as jsep.MemberExpression;
  const dot = member.optional === true ? '?.' : '.';
  const key = member.computed ? `${member.optional === true ? '?.' : ''}[${render(member.property)}]` : `${dot}${render(member.property)}`;
  return render(member.object) + key;
}

function checkKey(key: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw new CompileError(`property "${key}" is not accessible`);
}

/** expr refuses `a ?? b < c`: the left operand of another operator may not be a bare `??`. */
function checkCoalesceMix(operator: string, left: RawNode): void {
  if (operator !== '??' && left.type === 'BinaryExpression' && (left as jsep.BinaryExpression).operator === '??') {
    throw new CompileError(`operator ${operator} and ?? cannot be mixed: wrap the ?? part in parentheses, e.g. (a ?? b) ${operator} c`);
  }
}

function memberKey(member: jsep.MemberExpression, context: Context): Node {
  if (!member.computed) {
    const name = (member.property as jsep.Identifier).name;
    checkKey(name);
    return { kind: 'literal', value: name };
  }
  const key = convert(member.property, context);
  if (key.kind === 'literal' && typeof key.value === 'string') checkKey(key.value);
  return key;
}

function convertPath(node: RawNode, context: Context): Node {
  const steps: Step[] = [];
  let base = node;
  while (base.type === 'MemberExpression') {
    const member = base as jsep.MemberExpression;
    steps.unshift({ key: memberKey(member, context), optional: member.optional === true, text: render(member.object) });
    base = member.object;
  }
  return { kind: 'path', base: convert(base, context), steps };
}

function convertIdentifier(node: RawNode, context: Context): Node {
  const name = (node as jsep.Identifier).name;
  if (name === 'result') return { kind: 'variable', name };
  if (name === '#' || name === '#index') {
    if (!context.predicate) throw new CompileError(`${name} (and .field) can only be used inside a predicate, e.g. all(result, # > 0)`);
    return { kind: 'variable', name };
  }
  if (BUILTINS.has(name) || PREDICATE_NAMES.has(name)) throw new CompileError(`${name} is a function: call it, e.g. ${name}(result)`);
  throw new CompileError(`unknown name ${name} (the only variable is result)`);
}

const ORDERINGS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=']);

/** expr's type checker: `asFloat(result) == "1.1"` and `true < 1` fail when compiled. */
function checkComparable(operator: string, left: Node, right: Node): void {
  if (operator !== '==' && operator !== '!=' && !ORDERINGS.has(operator)) return;
  const [leftType, rightType] = [definiteType(left), definiteType(right)];
  if (leftType === undefined || rightType === undefined) return;
  const ordered = leftType === 'number' || leftType === 'string';
  if (leftType !== rightType || (ORDERINGS.has(operator) && !ordered)) {
    throw new CompileError(`invalid operation: ${leftType} ${operator} ${rightType} (mismatched types)`);
  }
}

/** An operand of and/or/not/`? :` that is known not to be a bool. */
function checkBool(what: string, operand: Node): void {
  const type = definiteType(operand);
  if (type !== undefined && type !== 'bool') throw new CompileError(`invalid operation: ${what} needs a bool, got ${withArticle(type)}`);
}

function comparison(operator: string, left: Node, right: Node): Node {
  const name = baseOperator(operator) as BinaryOperator;
  checkComparable(name, left, right);
  let pattern: RegExp | undefined;
  if (name === 'matches' && right.kind === 'literal' && typeof right.value === 'string') {
    const compiled = compilePattern(right.value);
    if (!compiled.ok) throw new CompileError(compiled.message);
    pattern = compiled.regex;
  }
  const node: Node = pattern === undefined ? { kind: 'binary', operator: name, left, right } : { kind: 'binary', operator: name, left, right, pattern };
  return operator.startsWith('not ') ? { kind: 'unary', operator: 'not', operand: node } : node;
}

/** `a < b <= c` → `a < b and b <= c` (each operand converted once, evaluated where it is used). */
function convertComparisons(node: jsep.BinaryExpression, context: Context): Node {
  const operators: string[] = [];
  const operands: RawNode[] = [];
  let left: RawNode = node;
  while (isComparison(left)) {
    const link = left as jsep.BinaryExpression;
    operators.unshift(link.operator);
    operands.unshift(link.right);
    left = link.left;
  }
  checkCoalesceMix(operators[0] ?? node.operator, left);
  const converted = [left, ...operands].map((operand) => convert(operand, context));
  const comparisons = operators.map((operator, i) => comparison(operator, converted[i] as Node, converted[i + 1] as Node));
  return comparisons.reduce((chain, next) => ({ kind: 'logical', operator: 'and', left: chain, right: next }));
}

function convertBinary(raw: RawNode, context: Context): Node {
  const node = raw as jsep.BinaryExpression;
  if (isComparison(node)) return convertComparisons(node, context);
  checkCoalesceMix(node.operator, node.left);
  const left = convert(node.left, context);
  const right = convert(node.right, context);
  const logical = LOGICAL[node.operator];
  if (logical === 'and' || logical === 'or') [left, right].forEach((operand) => checkBool(`"${logical}"`, operand));
  if (logical !== undefined) return { kind: 'logical', operator: logical, left, right };
  const operator = ARITHMETIC[node.operator];
  if (operator === undefined) throw new CompileError(`operator ${node.operator} is not supported`);
  return { kind: 'binary', operator, left, right };
}

function convertPredicate(name: PredicateName, args: readonly RawNode[], context: Context): Node {
  const [array, predicate] = args;
  if (args.length !== 2 || array === undefined || predicate === undefined) {
    throw new CompileError(`${name} needs 2 arguments (an array and a predicate such as {# > 0}), got ${args.length}`);
  }
  const body = predicate.type === 'Closure' ? (predicate.body as RawNode) : predicate;
  return { kind: 'predicate', name, array: convert(array, context), body: convert(body, { ...context, predicate: true }) };
}

function checkArity(name: string, count: number, builtin: Builtin): void {
  if (count >= builtin.minArgs && count <= builtin.maxArgs) return;
  const range = builtin.maxArgs === Infinity ? `at least ${builtin.minArgs}` : `${builtin.minArgs} or ${builtin.maxArgs}`;
  const expected = builtin.minArgs === builtin.maxArgs ? `${builtin.minArgs}` : range;
  const singular = builtin.minArgs === 1 && (builtin.maxArgs === 1 || builtin.maxArgs === Infinity);
  throw new CompileError(`${name} needs ${expected} argument${singular ? '' : 's'}, got ${count}`);
}

function convertCall(raw: RawNode, context: Context): Node {
  const { callee, arguments: args } = raw as jsep.CallExpression;
  if (callee.type !== 'Identifier') throw new CompileError(`only builtin functions can be called, not ${render(callee)}`);
  const name = (callee as jsep.Identifier).name;
  const builtin = BUILTINS.get(name);
  if (isPredicateName(name) && (args.length === 2 || builtin === undefined)) return convertPredicate(name, args, context);
  if (builtin === undefined) throw new CompileError(UNSUPPORTED_FUNCTIONS.has(name) ? `function ${name} is not supported` : `unknown function ${name}`);
  checkArity(name, args.length, builtin);
  return { kind: 'call', name, args: args.map((arg) => convert(arg, context)) };
}

function convertLiteral(raw: RawNode): Node {
  const { value } = raw as jsep.Literal;
  if (value !== null && typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') throw new CompileError(`unsupported literal ${(raw as jsep.Literal).raw}`);
  return { kind: 'literal', value };
}

function convertArray(raw: RawNode, context: Context): Node {
  const { elements } = raw as jsep.ArrayExpression;
  if (elements.some((element) => element === null)) throw new CompileError('an array literal has an empty element (two commas in a row)');
  return { kind: 'array', elements: elements.map((element) => convert(element as RawNode, context)) };
}

function convertUnary(raw: RawNode, context: Context): Node {
  const { operator, argument } = raw as jsep.UnaryExpression;
  const unary = UNARY[operator];
  if (unary === undefined) throw new CompileError(`operator ${operator} is not supported`);
  const operand = convert(argument, context);
  if (unary === 'not') checkBool('"not"', operand);
  return { kind: 'unary', operator: unary, operand };
}

function convertConditional(raw: RawNode, context: Context): Node {
  const { test, consequent, alternate } = raw as jsep.ConditionalExpression;
  const condition = convert(test, context);
  checkBool('the test of "? :"', condition);
  return { kind: 'conditional', test: condition, consequent: convert(consequent, context), alternate: convert(alternate, context) };
}

const CONVERTERS: Readonly<Record<string, (node: RawNode, context: Context) => Node>> = {
  Literal: convertLiteral,
  Identifier: convertIdentifier,
  MemberExpression: convertPath,
  CallExpression: convertCall,
  UnaryExpression: convertUnary,
  BinaryExpression: convertBinary,
  ConditionalExpression: convertConditional,
  ArrayExpression: convertArray,
  Group: (node, context) => convert(node.expression as RawNode, context),
  Closure: () => {
    throw new CompileError(`a predicate { … } can only be the second argument of ${[...PREDICATE_NAMES].join(', ')}`);
  },
  SequenceExpression: () => {
    throw new CompileError('parentheses must hold exactly one expression');
  },
};

function convert(node: RawNode, context: Context): Node {
  if (context.depth > MAX_DEPTH) throw new CompileError(`the condition nests more than ${MAX_DEPTH} levels deep`);
  const converter = CONVERTERS[node.type];
  if (converter === undefined) throw new CompileError(`unsupported syntax (${node.type})`);
  return converter(node, { ...context, depth: context.depth + 1 });
}

/** The checked tree of a parsed condition; throws CompileError naming the problem. */
export function compileTree(tree: RawNode): Node {
  const root = convert(withExprPrecedence(tree), { predicate: false, depth: 0 });
  const type = staticType(root);
  if (type !== undefined && type !== 'bool') throw new CompileError(`the condition computes ${withArticle(type)}, not a boolean: compare it, e.g. … >= 0.95`);
  return root;
}
