// The tool parsers, and the tool a line belongs to.
import type { LogFacts } from '../types.js';
import type { ToolParser } from './common.js';
import { cargo, eslint, go, npm, pnpm, prettier, tsc, yarn } from './build.js';
import { jest, mocha, node, nodeTest, vitest } from './js.js';
import { gradle, java, javac, maven } from './jvm.js';
import { ansible, aws, curl, docker, git, gpg, make, shell, ssh, terraform } from './ops.js';
import { pytest, python } from './python.js';

export type { ToolParser, Location } from './common.js';

export const PARSERS: ToolParser[] = [
  pytest,
  python,
  jest,
  vitest,
  mocha,
  nodeTest,
  node,
  tsc,
  eslint,
  prettier,
  npm,
  pnpm,
  yarn,
  go,
  cargo,
  javac,
  java,
  maven,
  gradle,
  docker,
  terraform,
  ansible,
  curl,
  git,
  ssh,
  gpg,
  make,
  aws,
  shell,
];

export const PARSER_BY_TOOL = new Map(PARSERS.map((p) => [p.tool, p]));

/**
 * A line that looks like an error although no rule fired: the classifier's input and its evidence
 * candidates. Word-bounded literals only (linear, cheap in the prefilter).
 */
export const SALIENT =
  /\b(?:error|errors|ERR!|fail(?:ed|ure|ures|ing)?|fatal|exception|denied|refused|cannot|can't|could not|unable to|not found|panic(?:ked)?|abort(?:ed)?|killed|timed? ?out|invalid|missing|unknown|unexpected|no such|traceback|unsupported|mismatch|forbidden|unauthorized|exit (?:code|status))\b/i;

/** The tool a command line runs (`npx jest --ci` → jest, `python -m pytest` → pytest). */
export function toolOfCommand(cmd: string): string | null {
  const c = cmd.trim().replace(/^(?:sudo |env \S+=\S+ |time |\S+=\S+ )+/, '');
  const pairs: Array<[RegExp, string]> = [
    [/^(?:npx |pnpm (?:exec |dlx )?|yarn )?jest\b/, 'jest'],
    [/^(?:npx |pnpm (?:exec )?|yarn )?vitest\b/, 'vitest'],
    [/^(?:npx |pnpm (?:exec )?|yarn )?mocha\b/, 'mocha'],
    [/^(?:npx |pnpm (?:exec )?|yarn )?tsc\b/, 'tsc'],
    [/^(?:npx |pnpm (?:exec )?|yarn )?eslint\b/, 'eslint'],
    [/^(?:npx |pnpm (?:exec )?|yarn )?prettier\b/, 'prettier'],
    [/^node --test\b/, 'node-test'],
    [/^node\b/, 'node'],
    [/^npm\b/, 'npm'],
    [/^pnpm\b/, 'pnpm'],
    [/^yarn\b/, 'yarn'],
    [/^(?:python3? -m )?pytest\b/, 'pytest'],
    [/^python3?\b/, 'python'],
    [/^go\b/, 'go'],
    [/^cargo\b|^rustc\b/, 'cargo'],
    [/^javac\b/, 'javac'],
    [/^java\b/, 'java'],
    [/^(?:mvn|\.\/mvnw)\b/, 'maven'],
    [/^(?:gradle|\.\/gradlew)\b/, 'gradle'],
    [/^docker\b/, 'docker'],
    [/^terraform\b/, 'terraform'],
    [/^ansible(?:-playbook)?\b/, 'ansible'],
    [/^curl\b/, 'curl'],
    [/^git\b/, 'git'],
    [/^(?:ssh|scp)\b/, 'ssh'],
    [/^gpg\b/, 'gpg'],
    [/^make\b/, 'make'],
    [/^aws\b/, 'aws'],
    [/^(?:\.\/)?(?:sbt|sbtx)\b/, 'sbt'],
    [/^(?:bundle exec )?rspec\b/, 'rspec'],
    [/^(?:bundle exec )?rubocop\b/, 'rubocop'],
    [/^(?:bundle exec )?rake\b|^ruby\b/, 'minitest'],
    [/^bundle\b/, 'bundler'],
    [/^mix\b/, 'mix'],
    [/^(?:\.\/)?rebar3?\b/, 'rebar3'],
    [/^stack\b|^cabal\b/, 'cabal'],
    [/^ghc\b/, 'ghc'],
    [/^lein\b/, 'lein'],
    [/^R CMD\b|^Rscript\b/, 'r'],
    [/^prove\b/, 'prove'],
    [/^busted\b/, 'busted'],
    [/^luacheck\b/, 'luacheck'],
    [/^(?:pdf|xe|lua)?latex(?:mk)?\b/, 'latex'],
    [/^shellcheck\b/, 'shellcheck'],
    [/^vint\b/, 'vint'],
    [/^(?:set -o pipefail && )?xcodebuild\b|^xcpretty\b|^xctool\b|^swift (?:build|test)\b/, 'xcodebuild'],
    [/^pod\b/, 'cocoapods'],
    [/^swift package\b/, 'swiftpm'],
    [/^swiftlint\b/, 'swiftlint'],
    [/^jazzy\b/, 'jazzy'],
    [/^(?:dotnet|msbuild|nuget|mono)\b/, 'dotnet'],
    [/^(?:vendor\/bin\/)?phpunit\b/, 'phpunit'],
    [/^composer\b/, 'composer'],
    [/^php\b/, 'php'],
    [/^ctest\b/, 'ctest'],
    [/^cmake\b/, 'cmake'],
    [/^(?:pwsh|powershell)\b/, 'powershell'],
  ];
  for (const [re, tool] of pairs) if (re.test(c)) return tool;
  return null;
}

/**
 * The tool whose output surrounds a line, for rules written for any tool (`tool: "*"`): the tool
 * with a signal nearest the line (before it preferred), else the step command's tool, else shell.
 */
export function toolAround(facts: LogFacts, line: number, exclude: string[] = []): string {
  let best: { tool: string; d: number } | null = null;
  for (const [tool, t] of facts.tools) {
    if (exclude.includes(tool)) continue;
    // Distance to the tool's span of signals; inside the span is 0.
    const d = line < t.first ? (t.first - line) * 1.5 : line > t.last ? line - t.last : 0;
    if (!best || d < best.d) best = { tool, d };
  }
  if (best && best.d <= 200) return best.tool;
  let step: string | null = null;
  for (const s of facts.steps) if (s.line <= line) step = toolOfCommand(s.command);
  return step ?? 'shell';
}
