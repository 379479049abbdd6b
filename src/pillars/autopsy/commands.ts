// CLI: `ci-intel autopsy LOG...` (offline analysis, --json/--md, --hub upload, --open-issue), and
// `autopsy eval DIR`, `autopsy train DIR...`, `autopsy reclassify [--since]` (issue 4).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { sectionOf } from '../../core/config.js';
import { sinceInstant } from '../../core/duration.js';
import { autopsyConfigSection } from './config.js';
import { CiError } from '../../core/errors.js';
import { Redactor } from '../../core/redact/index.js';
import { redactorOptions } from '../../core/redact/pii.js';
import type { CliContext } from '../../core/registry.js';
import { phase } from '../../core/agent-spans.js';
import { hubOptions, hubTarget, runHeaders, uploadRun, uploadToHub } from '../../core/upload.js';
import { collect, examples, numberOption, openInput, storeOptions } from '../../core/cli.js';
import { analyzeStream, redactCauses } from './analyze.js';
import { Classifier, loadClassifier, serializeModel, shippedClassifier, train, type TrainingDoc } from './classify.js';
import { evaluate, readCaseLog, readManifest, renderEvalText, trainingText } from './eval.js';
import { evaluateLines, isLineManifest, renderLineEvalText } from './eval-lines.js';
import { openOrComment } from './github.js';
import { renderJson, renderMarkdown, renderText, type AnalysisOutput } from './render.js';
import { ruleSet } from './rules.js';

/** Bytes read at a time: large reads keep a 1 GB log to a thousand reads (the stream default is 64 KiB). */
const READ_SIZE = 1024 * 1024;

function classifierFrom(opts: { model?: string | boolean }): Classifier | null {
  if (opts.model === false) return null;
  return typeof opts.model === 'string' ? loadClassifier(opts.model) : shippedClassifier();
}

async function redactedBuffer(file: string, redactor: Redactor): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of openInput(file).pipe(redactor.stream())) parts.push(Buffer.from(c as string));
  return Buffer.concat(parts);
}

/**
 * A subcommand's options merged with the ones `autopsy` itself took: commander gives options the
 * parent also defines (--json, --rules, --model) to the parent, wherever they stand.
 */
function subOpts(command: Command): Record<string, unknown> {
  const p = command.parent?.opts() ?? {};
  const l = command.opts();
  return {
    ...l,
    json: l.json ?? p.json,
    rules: [...((p.rules as string[] | undefined) ?? []), ...((l.rules as string[] | undefined) ?? [])],
    model: l.model ?? (typeof p.model === 'string' ? p.model : undefined),
  };
}

export function autopsyCommands(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('autopsy')
    .description(
      'Explain failed CI logs: root causes (tool, category, evidence line, file:line, fix, repro), most likely first; exit 1 when a failure is found',
    )
    .argument('[logs...]', 'log files, or - for stdin')
    .option('--json', 'one JSON line per log: {log, failed, root_causes}')
    .option('--md', 'one Markdown report (the issue template) for all logs')
    .option('--rules <dir>', 'extra rule pack folder or .yml file (RE2 dialect); repeatable', collect, [])
    .option('--model <file>', 'classifier model file (default: the shipped one)')
    .option('--no-model', 'rules only: never ask the classifier')
    .option('--failed', 'the job is known to have failed: name a best-guess cause even when the log shows no error line')
    .option('--context <n>', 'lines of context around the evidence', '3')
    .option('--max <n>', 'root causes per log', '5')
    .option('--open-issue <owner/repo>', 'open a GitHub issue per failure (or comment on the open one with the same signature)')
    .option('--github-token <token>', 'token for --open-issue (env GITHUB_TOKEN)')
    .option('--github-api <url>', 'GitHub REST base URL (env GITHUB_API_URL; default https://api.github.com)')
    .option('--job <name>', 'job name for the --hub upload (default GITHUB_JOB, else the log file name)');
  hubOptions(cmd);
  examples(
    cmd,
    'ci-intel autopsy build.log',
    'npm test 2>&1 | tee test.log; ci-intel autopsy --json test.log',
    'ci-intel autopsy --md --open-issue acme/app job.log',
    'ci-intel autopsy job.log --hub http://ci-intel:8080 --token $CI_INTEL_TOKEN',
    'ci-intel autopsy eval ../shared/corpus/autopsy',
  ).action(async (logs: string[], opts: Record<string, unknown>) => {
    if (!logs.length) throw new CiError('E_USAGE', 'no log given', { hint: 'ci-intel autopsy LOG... (or - for stdin); see --help' });
    const config = ctx.config({});
    const redactor = new Redactor(redactorOptions(config.redact));
    const rules = ruleSet(opts.rules as string[]);
    const classifier = classifierFrom(opts as { model?: string | boolean });
    const context = numberOption('--context', opts.context, { min: 0, max: 40, integer: true })!;
    const maxCauses = numberOption('--max', opts.max, { min: 1, max: 50, integer: true })!;
    const target = hubTarget(opts as { hub?: string; token?: string }, ctx);
    const outputs: AnalysisOutput[] = [];
    for (const log of logs) {
      // Reading and analysing are one streamed pass: one span of the agent's own work when traced.
      const a = await phase(
        'analyze',
        () =>
          analyzeStream(openInput(log, process.stdin, { highWaterMark: READ_SIZE }), rules, {
            classifier,
            assumeFailed: opts.failed === true,
            context,
            maxCauses,
          }),
        { 'ci_intel.input': log },
      );
      const out: AnalysisOutput = { log, failed: a.failed, root_causes: redactCauses(a.root_causes, redactor) };
      outputs.push(out);
      if (opts.json) ctx.out(redactor.apply(renderJson(out)));
      else if (!opts.md) ctx.out(redactor.apply(renderText(out)));
    }
    if (opts.md) ctx.out(redactor.apply(renderMarkdown(outputs, { build: outputs.length === 1 ? outputs[0]!.log : `${outputs.length} logs` })));
    if (outputs.some((o) => o.failed)) process.exitCode = 1;

    // After the analysis is printed: the issue, then the upload (a failure of either never hides it).
    if (opts.openIssue) {
      const github = ctx.config().github;
      const token = (opts.githubToken as string | undefined) ?? github.token;
      if (!token) throw new CiError('E_USAGE', '--open-issue needs a token', { where: '--open-issue', hint: 'pass --github-token or set GITHUB_TOKEN' });
      const apiUrl = (opts.githubApi as string | undefined) ?? github.apiUrl;
      for (const o of outputs) {
        const top = o.root_causes[0];
        if (!o.failed || !top) continue;
        const res = await openOrComment(
          { repo: String(opts.openIssue), token, apiUrl },
          top.signature,
          redactor.apply(`CI failure: ${top.tool} ${top.category}: ${top.message}`),
          redactor.apply(renderMarkdown([o], { build: o.log })),
        );
        ctx.err(`${o.log}: issue ${res.action} #${res.number} ${res.url}\n`);
      }
    }
    if (target) {
      const run = uploadRun(opts as { runId?: string }, ctx.env);
      for (const [i, log] of logs.entries()) {
        if (log === '-') {
          ctx.err('stdin is not uploaded (it was read once for the analysis); pass a file to upload it\n');
          continue;
        }
        const base =
          path
            .basename(log)
            .replace(/\.[^.]*$/, '')
            .replace(/[^\w.:@+-]/g, '_') || `log${i}`;
        const job = logs.length === 1 ? ((opts.job as string | undefined) ?? ctx.env.GITHUB_JOB ?? base) : base;
        const body = await redactedBuffer(log, redactor);
        const failed = opts.failed === true ? 'true' : outputs[i]!.failed ? '' : '';
        const res = await uploadToHub(target, {
          path: `/api/v1/runs/${run.run_id}/jobs/${encodeURIComponent(job)}/logs${failed ? `?failed=${failed}` : ''}`,
          body,
          contentType: 'text/plain',
          headers: runHeaders(run),
        });
        ctx.err(`${log}: uploaded to ${target.url} as run ${run.run_id} job ${job} (HTTP ${res.status})\n`);
      }
    }
  });

  // ---- eval ----
  examples(
    cmd
      .command('eval')
      .description(
        'Score the analyzer against a corpus with an answer key (DIR/manifest.jsonl): per-category P/R/F1, macro averages, evidence hit rate, redaction leaks, rules-only and model leave-one-out; for a corpus labelled by line ranges (LogChunks format: path, language, ranges), hit@1/hit@3/detect per language next to naive baselines',
      )
      .argument('<dir>', 'corpus folder with manifest.jsonl and the logs')
      .option('--json', 'exactly one JSON object')
      .option('--rules <dir>', 'extra rule pack folder or file; repeatable', collect, [])
      .option('--model <file>', 'classifier model file (default: the shipped one)')
      .option('--train-extra <dir>', "more answer-keyed corpora for the leave-one-out model's training set; repeatable", collect, [])
      .option('--slack <n>', 'ranges-labelled corpora: lines of slack around a labelled range', '2')
      .option('--misses', 'ranges-labelled corpora: list the logs whose first cause missed'),
    'ci-intel autopsy eval ../shared/corpus/autopsy',
    'ci-intel autopsy eval ../shared/corpus/autopsy-logchunks --misses',
    'ci-intel autopsy eval corpus/ --json | jq .f1',
  ).action(async (dir: string, _o: Record<string, unknown>, command: Command) => {
    const opts = subOpts(command);
    if (isLineManifest(dir)) {
      const slack = numberOption('--slack', opts.slack ?? '2', { min: 0, integer: true }) ?? 2;
      const report = evaluateLines(dir, ruleSet(opts.rules as string[]), classifierFrom(opts as { model?: string }), slack);
      ctx.out(opts.json ? JSON.stringify(report) + '\n' : renderLineEvalText(report, dir, !!opts.misses));
      return;
    }
    const config = ctx.config({});
    const report = await evaluate(
      dir,
      ruleSet(opts.rules as string[]),
      classifierFrom(opts as { model?: string }) ?? shippedClassifier(),
      new Redactor(redactorOptions(config.redact)),
      opts.trainExtra as string[],
    );
    ctx.out(opts.json ? JSON.stringify(report) + '\n' : renderEvalText(report, dir));
    if (report.secrets_leaked > 0) process.exitCode = 1;
  });

  // ---- train ----
  examples(
    cmd
      .command('train')
      .description(
        'Train the fallback classifier (TF-IDF + multinomial naive Bayes) on corpora with an answer key; deterministic: the same corpora give the same file',
      )
      .argument('<dirs...>', 'corpus folders with manifest.jsonl')
      .option('--out <file>', 'where to write the model', 'autopsy-model.json'),
    'ci-intel autopsy train ../shared/corpus/autopsy my-corpus --out model.json',
    'ci-intel autopsy build.log --model model.json',
  ).action(async (dirs: string[], opts: { out: string }) => {
    const docs: TrainingDoc[] = [];
    for (const dir of dirs) {
      for (const c of readManifest(dir))
        docs.push({ id: `${path.basename(path.resolve(dir))}/${c.id}`, label: c.category, text: trainingText(readCaseLog(dir, c)) });
    }
    if (!docs.length) throw new CiError('E_USAGE', 'the corpora hold no cases', { hint: 'each folder needs a manifest.jsonl with at least one case' });
    const model = train(docs);
    mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
    writeFileSync(opts.out, serializeModel(model));
    ctx.out(`trained ${model.id} on ${docs.length} logs (${model.classes.length} categories, ${model.vocab.length} terms) -> ${opts.out}\n`);
  });

  // ---- reclassify ----
  examples(
    storeOptions(
      cmd
        .command('reclassify')
        .description('Re-analyze the stored logs with the current rule packs and model; print what moved (old → new category, rule or model)')
        .option('--since <when>', 'only logs uploaded since (7d, 24h, 90m or a date)')
        .option('--rules <dir>', 'extra rule pack folder or file; repeatable', collect, [])
        .option('--model <file>', 'classifier model file (default: the shipped one)')
        .option('--json', 'exactly one JSON object {reclassified, moved, changes}'),
    ),
    'ci-intel autopsy reclassify --since 7d',
    'ci-intel autopsy reclassify --rules ./autopsy-rules --json',
  ).action(async (_o: Record<string, unknown>, command: Command) => {
    const opts = subOpts(command);
    // The hub's modules (store, routes) load only for the command that needs them.
    const { hubRules } = await import('./analysis.js');
    const { reclassifyLogs } = await import('./reclassify.js');
    const hub = await ctx.openHub(opts);
    try {
      const since = opts.since ? sinceInstant(String(opts.since), ctx.now()) : null;
      const rules = (opts.rules as string[]).length
        ? ruleSet([...sectionOf(hub.config, autopsyConfigSection).rules, ...(opts.rules as string[])])
        : hubRules(hub);
      const classifier = classifierFrom(opts as { model?: string }) ?? shippedClassifier();
      const { reclassified, changes } = await reclassifyLogs(hub, rules, classifier, since);
      if (opts.json) ctx.out(JSON.stringify({ reclassified, moved: changes.length, changes }) + '\n');
      else {
        for (const c of changes) ctx.out(`${c.run_id} ${c.job}: ${c.from} -> ${c.to}\n`);
        ctx.out(`reclassified ${reclassified} logs, ${changes.length} moved\n`);
      }
    } finally {
      await hub.close();
    }
  });
}

export { Readable };
