import type { Rule } from 'eslint';
declare const layering: Rule.RuleModule;
export default layering;
