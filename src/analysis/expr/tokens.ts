// jsep hooks for the parts of expr's syntax jsep does not have (see grammar.ts for the map).
// Each hook runs with `this` bound to the jsep parser; a hook that recognises its token sets
// `env.node`, the others leave it alone.
import type jsep from 'jsep';

export type RawNode = jsep.Expression;
type Scope = jsep.HookScope;
type Env = { node?: RawNode };
export type Hook = (this: Scope, env: Env) => void;

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9';
const isIdentifierStart = (ch: string): boolean => /^[A-Za-z_$]$/.test(ch) || ch.charCodeAt(0) >= 128;
const isIdentifierPart = (ch: string): boolean => isIdentifierStart(ch) || isDigit(ch) || ch === '#';

// expr's number literals: 42, 0x2A, 0o52, 0b101010, 1_000, 0.5, 1e3, 2.5E-3.
const NUMBER = /0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*|0[oO][0-7](?:_?[0-7])*|0[bB][01](?:_?[01])*|\d(?:_?\d)*(?:\.\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?/y;

function gobbleNumber(this: Scope): RawNode {
  NUMBER.lastIndex = this.index;
  const raw = NUMBER.exec(this.expr)?.[0] ?? this.char;
  this.index += raw.length;
  if (isIdentifierPart(this.char) || (this.char === '.' && isDigit(this.expr.charAt(this.index + 1)))) {
    this.throwError(`invalid number "${raw}${this.char}"`);
  }
  return { type: 'Literal', value: Number(raw.replaceAll('_', '')), raw };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"', '`': '`',
};
const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** Reports a bad escape at its backslash. */
function badEscape(scope: Scope, backslash: number, text: string): never {
  scope.index = backslash;
  return scope.throwError(`invalid escape "\\${text}" in a string`);
}

/** \x41, \u00e9, \U0001F600: exactly that many hex digits. */
function readHexEscape(scope: Scope, letter: string, digits: number): string {
  const text = scope.expr.slice(scope.index, scope.index + digits);
  const code = Number.parseInt(text, 16);
  if (!/^[0-9a-fA-F]+$/.test(text) || text.length !== digits || code > 0x10ffff) badEscape(scope, scope.index - 2, letter + text);
  scope.index += digits;
  return String.fromCodePoint(code);
}

/** \101: exactly three octal digits, at most \377. */
function readOctalEscape(scope: Scope, first: string): string {
  const text = first + scope.expr.slice(scope.index, scope.index + 2);
  const code = Number.parseInt(text, 8);
  if (!/^[0-7]{3}$/.test(text) || code > 0o377) badEscape(scope, scope.index - 2, text);
  scope.index += 2;
  return String.fromCharCode(code);
}

/** One escape sequence after a backslash, as Go's string literals spell them. */
function readEscape(scope: Scope): string {
  const ch = scope.expr.charAt(scope.index++);
  const simple = SIMPLE_ESCAPES[ch];
  if (simple !== undefined) return simple;
  const digits = HEX_DIGITS[ch];
  if (digits === undefined && !/^[0-7]$/.test(ch)) badEscape(scope, scope.index - 2, ch);
  return digits === undefined ? readOctalEscape(scope, ch) : readHexEscape(scope, ch, digits);
}

/** 'single', "double" (with escapes) or `raw` strings. */
function gobbleString(this: Scope): RawNode {
  const start = this.index;
  const quote = this.expr.charAt(this.index++);
  let value = '';
  while (this.index < this.expr.length) {
    const ch = this.expr.charAt(this.index++);
    if (ch === quote) return this.gobbleTokenProperty({ type: 'Literal', value, raw: this.expr.slice(start, this.index) });
    value += ch === '\\' && quote !== '`' ? readEscape(this) : ch;
  }
  this.index = start;
  return this.throwError('unclosed string');
}

/** `.field` where an operand starts, inside a predicate: `#.field`. */
function gobbleElementField(this: Scope): RawNode {
  this.index++;
  const property = this.gobbleIdentifier();
  if (property === undefined) return this.throwError('expected a field name after "."');
  return this.gobbleTokenProperty({ type: 'MemberExpression', computed: false, object: { type: 'Identifier', name: '#' }, property });
}

/** `{ predicate }`. */
function gobbleClosure(this: Scope): RawNode {
  this.index++;
  const body = this.gobbleExpression() as RawNode | false | undefined;
  if (body === false || body === undefined) return this.throwError('expected an expression inside { }');
  this.gobbleSpaces();
  if (this.char !== '}') this.throwError('expected "}" to close the predicate (map literals are not supported)');
  this.index++;
  return { type: 'Closure', body };
}

/** `( expression )`, kept as a node so compile.ts knows where the parentheses were. */
function gobbleParentheses(this: Scope): RawNode {
  const start = this.index;
  const inner = this.gobbleGroup() as RawNode | false;
  if (inner === false) {
    this.index = start;
    this.throwError('empty parentheses');
  }
  return this.gobbleTokenProperty({ type: 'Group', expression: inner });
}

const TOKENS: Readonly<Record<string, (this: Scope) => RawNode>> = {
  '"': gobbleString,
  "'": gobbleString,
  '`': gobbleString,
  '{': gobbleClosure,
  '(': gobbleParentheses,
};

export const gobbleExprToken: Hook = function (env) {
  const ch = this.char;
  if (isDigit(ch)) env.node = gobbleNumber.call(this);
  else if (ch === '.' && isIdentifierStart(this.expr.charAt(this.index + 1))) env.node = gobbleElementField.call(this);
  else if (Object.hasOwn(TOKENS, ch)) env.node = TOKENS[ch]?.call(this);
};

/** `// line` and `/* block *\/` comments count as whitespace. */
export const skipComments: Hook = function () {
  for (;;) {
    const opener = this.expr.slice(this.index, this.index + 2);
    if (opener === '//') {
      const end = this.expr.indexOf('\n', this.index);
      this.index = end === -1 ? this.expr.length : end;
    } else if (opener === '/*') {
      const end = this.expr.indexOf('*/', this.index + 2);
      if (end === -1) this.throwError('unclosed comment');
      this.index = end + 2;
    } else {
      return;
    }
    while (WHITESPACE.has(this.char)) this.index++;
  }
};

/** `test ? consequent : alternate`, the loosest-binding operator (expr's parseConditional). */
export const gobbleConditional: Hook = function (env) {
  if (typeof env.node !== 'object' || this.char !== '?') return;
  this.index++;
  const consequent = this.gobbleExpression() as RawNode | false | undefined;
  if (consequent === false || consequent === undefined) this.throwError('expected an expression after "?"');
  this.gobbleSpaces();
  if (this.expr.charAt(this.index) !== ':') this.throwError('expected ":" in a ? b : c');
  this.index++;
  const alternate = this.gobbleExpression() as RawNode | false | undefined;
  if (alternate === false || alternate === undefined) this.throwError('expected an expression after ":"');
  env.node = { type: 'ConditionalExpression', test: env.node, consequent, alternate };
};
