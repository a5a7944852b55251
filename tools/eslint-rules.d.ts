import type { Rule } from 'eslint';

declare const plugin: { readonly rules: { readonly layers: Rule.RuleModule; readonly 'no-import-cycle': Rule.RuleModule } };
export default plugin;
