#!/usr/bin/env node
// Performs the Dockerfile's steps on this host, for machines (and CI) without a Docker daemon:
// the build stage's COPY and RUN lines in a temp folder standing for its WORKDIR, the runtime
// stage's COPY lines (--from=build and from the context) into a second temp folder standing for
// /app, then the ENTRYPOINT + CMD with the stage's ENV, as a non-root user when the stage says
// USER and we are root, polled like the HEALTHCHECK, and stopped with SIGTERM.
//
//   node scripts/image-steps.mjs [--dockerfile Dockerfile] [--json FILE] [--keep] [--keep-failed]
//
// --keep leaves the temp folders after a run that got through (the caller removes `top`);
// --keep-failed leaves them after a failure, to rerun the failed step there by hand.
//
// What it cannot do on a host, it says: the runtime stage's RUN lines (they create the image's
// user and /data) are replaced by running as `nobody` with a data folder it owns.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------
// Dockerfile parsing: logical lines (continuations joined, comments dropped), then instructions.

/** Splits a Dockerfile into instructions: {op, args, line} with continuations joined. */
export function parseDockerfile(text, file = 'Dockerfile') {
  const out = [];
  let buf = '';
  let start = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    // Comment lines (also inside a continued instruction) and parser directives are not part of it.
    if (trimmed.startsWith('#')) return;
    if (!buf && !trimmed) return;
    if (!buf) start = i + 1;
    if (trimmed.endsWith('\\')) {
      buf += trimmed.slice(0, -1) + ' ';
      return;
    }
    buf += trimmed;
    if (buf.trim()) out.push(instruction(buf.trim(), `${file}:${start}`));
    buf = '';
  });
  if (buf.trim()) out.push(instruction(buf.trim(), `${file}:${start}`));
  return out;
}

function instruction(text, where) {
  const m = /^(\S+)\s*(.*)$/s.exec(text);
  return { op: m[1].toUpperCase(), args: m[2], where };
}

/** ["a", "b"] (exec form) or null when the text is not a JSON array of strings. */
function execForm(args) {
  if (!args.startsWith('[')) return null;
  try {
    const v = JSON.parse(args);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    /* shell form */
  }
  return null;
}

/** Words of a shell-form argument list, honouring double and single quotes. */
function words(s) {
  const out = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m;
  while ((m = re.exec(s))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]));
  return out;
}

/** Leading --flag=value options of COPY/HEALTHCHECK, and the rest. */
function flags(args) {
  const f = {};
  let rest = args;
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(rest);
    if (!m) break;
    f[m[1]] = m[2] ?? true;
    rest = rest.slice(m[0].length);
  }
  return { flags: f, rest };
}

/** ENV key=value [key=value...] or the legacy ENV key value. */
function envPairs(args, where) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const m = /^(\S+)\s+(.*)$/.exec(args);
    if (!m) throw new Error(`${where}: ENV needs KEY=VALUE`);
    return [[m[1], m[2]]];
  }
  return words(args).map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw new Error(`${where}: ENV "${w}" is not KEY=VALUE`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

/** The stages with the steps this script performs and the settings the runtime needs. */
export function stagesOf(instructions) {
  const stages = [];
  let cur = null;
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const [image, as, name] = words(ins.args);
      cur = { name: as?.toUpperCase() === 'AS' ? name : String(stages.length), image, steps: [], env: {}, workdir: '/', user: null, volumes: [], expose: [] };
      stages.push(cur);
      continue;
    }
    if (ins.op === 'ARG' || ins.op === 'LABEL') continue;
    if (!cur) throw new Error(`${ins.where}: ${ins.op} before FROM`);
    switch (ins.op) {
      case 'WORKDIR':
        cur.workdir = path.posix.resolve(cur.workdir, ins.args.trim());
        cur.steps.push({ op: 'WORKDIR', dir: cur.workdir, where: ins.where });
        break;
      case 'ENV':
        for (const [k, v] of envPairs(ins.args, ins.where)) cur.env[k] = v;
        break;
      case 'COPY': {
        const { flags: f, rest } = flags(ins.args);
        const list = execForm(rest) ?? words(rest);
        if (list.length < 2) throw new Error(`${ins.where}: COPY needs a source and a destination`);
        cur.steps.push({ op: 'COPY', from: f.from ?? null, sources: list.slice(0, -1), dest: list.at(-1), workdir: cur.workdir, where: ins.where });
        break;
      }
      case 'RUN':
        cur.steps.push({ op: 'RUN', command: execForm(ins.args) ?? ins.args, workdir: cur.workdir, where: ins.where });
        break;
      case 'USER':
        cur.user = ins.args.trim();
        break;
      case 'VOLUME':
        cur.volumes.push(...(execForm(ins.args) ?? words(ins.args)));
        break;
      case 'EXPOSE':
        cur.expose.push(...words(ins.args));
        break;
      case 'HEALTHCHECK': {
        const { flags: f, rest } = flags(ins.args);
        const m = /^CMD\s+(.*)$/is.exec(rest);
        cur.healthcheck = m ? { options: f, command: execForm(m[1]) ?? ['/bin/sh', '-c', m[1]] } : null;
        break;
      }
      case 'ENTRYPOINT':
        cur.entrypoint = execForm(ins.args) ?? ['/bin/sh', '-c', ins.args];
        break;
      case 'CMD':
        cur.cmd = execForm(ins.args) ?? ['/bin/sh', '-c', ins.args];
        break;
      default:
        throw new Error(
          `${ins.where}: ${ins.op} is not performed by scripts/image-steps.mjs; teach it the instruction or keep the Dockerfile to FROM/WORKDIR/ENV/COPY/RUN/USER/VOLUME/EXPOSE/HEALTHCHECK/ENTRYPOINT/CMD`,
        );
    }
  }
  return stages;
}

// ---------------------------------------------------------------------------------------------
// .dockerignore: Docker's rules — paths relative to the context, `*` and `?` within a segment,
// `**` any number of segments, `!` re-includes, the last matching line wins, and a pattern that
// matches a folder excludes everything under it.

export function dockerignore(text) {
  const rules = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pat = path.posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
    rules.push({ negate, re: globRegex(pat) });
  }
  return (rel) => {
    // A path is excluded when it or one of its parent folders is.
    const parts = rel.split('/');
    let excluded = false;
    for (let n = 1; n <= parts.length; n++) {
      const p = parts.slice(0, n).join('/');
      for (const r of rules) if (r.re.test(p)) excluded = !r.negate;
    }
    return excluded;
  };
}

function globRegex(pat) {
  let re = '';
  const segs = pat.split('/');
  segs.forEach((s, i) => {
    if (s === '**') {
      re += i === segs.length - 1 ? '.*' : '(?:[^/]+/)*';
      return;
    }
    re += s
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
    if (i < segs.length - 1) re += '/';
  });
  return new RegExp(`^${re}$`);
}

// ---------------------------------------------------------------------------------------------
// Performing the steps.

const log = (s) => process.stdout.write(`[image-steps] ${s}\n`);

/** Maps image paths to host folders: the longest matching prefix wins (/app/dist before /). */
function mapper(roots) {
  const keys = Object.keys(roots).sort((a, b) => b.length - a.length);
  const map = (p) => {
    for (const k of keys) if (p === k || p.startsWith(k + '/')) return path.join(roots[k], p.slice(k.length));
    return null;
  };
  // Also rewrites image paths inside arguments (`/app/dist/cli/main.js`) and env values.
  map.text = (s) => s.replace(/(^|[\s=:'"])(\/[A-Za-z0-9._/-]+)/g, (all, pre, p) => pre + (map(p) ?? p));
  return map;
}

/** Copies `src` (a file or folder) to `dest`, leaving out what `ignored(relToContext)` says. */
function copyTree(src, dest, ignored, rel) {
  if (ignored && ignored(rel)) return;
  // Symlinks (node_modules/.bin) are copied as links, as COPY does.
  const st = lstatSync(src);
  if (st.isDirectory()) {
    mkdirSync(dest, { recursive: true });
    for (const name of readdirSync(src)) copyTree(path.join(src, name), path.join(dest, name), ignored, rel ? `${rel}/${name}` : name);
  } else {
    mkdirSync(path.dirname(dest), { recursive: true });
    cpSync(src, dest, { preserveTimestamps: true, verbatimSymlinks: true });
  }
}

function performCopy(step, { map, context, ignored, stageRoots }) {
  const destIsDir = step.dest.endsWith('/') || step.dest === '.' || step.sources.length > 1;
  const destImage = path.posix.resolve(step.workdir, step.dest);
  const dest = map(destImage);
  if (!dest) throw new Error(`${step.where}: COPY destination ${destImage} is outside the folders this script maps`);
  for (const s of step.sources) {
    let src;
    let ign = null;
    let rel = '';
    if (step.from) {
      const other = stageRoots[step.from];
      if (!other) throw new Error(`${step.where}: COPY --from=${step.from} names no earlier stage`);
      src = other(path.posix.resolve('/', s));
      if (!src) throw new Error(`${step.where}: ${s} is outside stage ${step.from}'s folders`);
    } else {
      rel = path.posix
        .normalize(s)
        .replace(/^\.?\/+/, '')
        .replace(/\/+$/, '');
      src = path.join(context, rel);
      ign = ignored;
      if (ignored(rel)) throw new Error(`${step.where}: ${s} is excluded by .dockerignore; docker build would not find it`);
    }
    if (!existsSync(src)) throw new Error(`${step.where}: COPY source ${s} does not exist (${src})`);
    // Docker copies a folder's contents into the destination, a file into it when it is a folder.
    const target = statSync(src).isDirectory() ? dest : destIsDir ? path.join(dest, path.basename(src)) : dest;
    copyTree(src, target, ign, rel);
  }
}

/** The build's environment: the host's, without settings that would change what npm installs. */
function buildEnv(stageEnv) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(NODE_ENV|VITEST.*|CI_INTEL_.*|DATABASE_URL|NATS_URL|npm_lifecycle_.*|npm_package_.*|npm_config_(omit|production|include|only))$/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...stageEnv };
}

function run(step, cwd, env) {
  const argv = Array.isArray(step.command) ? step.command : ['/bin/sh', '-c', step.command];
  log(`${step.where}: RUN ${argv.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0)
    throw new Error(
      `${step.where}: RUN ${argv.join(' ')} failed (exit ${r.status ?? r.signal}) in ${cwd}; rerun with --keep-failed and run it there by hand to see why`,
    );
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** How to start a process as the stage's USER: setpriv as `nobody` when root, else as we are. */
function userPrefix(user) {
  const root = process.getuid?.() === 0;
  if (!user || user === 'root' || user === '0') return { prefix: [], as: 'root (the stage sets no other USER)' };
  if (!root) {
    log(`USER ${user}: not root here, so the hub runs as the current user (uid ${process.getuid?.()}); run as root to test the switch`);
    return { prefix: [], as: `current user (uid ${process.getuid?.()})` };
  }
  // The image's user does not exist on the host; nobody/nogroup stand for it (Debian 12 has setpriv).
  return { prefix: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'], as: 'nobody', uid: uidOf('nobody'), gid: gidOf('nogroup') };
}

const uidOf = (name) => Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
const gidOf = (name) => Number(spawnSync('getent', ['group', name], { encoding: 'utf8' }).stdout.split(':')[2]);

function uidOfPid(pid) {
  const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : null;
}

async function pollReady(url, child, timeoutMs) {
  const until = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the hub exited (${child.exitCode ?? child.signalCode}) before ${url} answered; its output is above`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const body = await r.json().catch(() => null);
      if (r.ok) return { status: r.status, body };
      last = `HTTP ${r.status} ${JSON.stringify(body)}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
}

function waitExit(child, timeoutMs) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode, ms: 0 });
    const t0 = Date.now();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: null, signal: 'SIGKILL (did not stop on SIGTERM)', ms: Date.now() - t0 });
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - t0 });
    });
  });
}

export async function imageSteps({
  dockerfile = path.join(ROOT, 'Dockerfile'),
  context = ROOT,
  keep = false,
  keepFailed = false,
  readyTimeoutMs = 120_000,
} = {}) {
  const stages = stagesOf(parseDockerfile(readFileSync(dockerfile, 'utf8'), path.relative(process.cwd(), dockerfile) || 'Dockerfile'));
  if (stages.length < 2) throw new Error(`${dockerfile}: expected a build stage and a runtime stage, found ${stages.length}`);
  const ignorePath = path.join(context, '.dockerignore');
  const ignored = dockerignore(existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '');
  const top = mkdtempSync(path.join(tmpdir(), 'ci-intel-image-'));
  // Readable by the unprivileged user the hub runs as (mkdtemp makes 0700 folders).
  chmodSync(top, 0o755);
  const result = { dockerfile, stages: [], top, keep };
  const stageRoots = {};
  const t0 = Date.now();
  let child = null;
  let ok = false;
  try {
    for (const [i, stage] of stages.entries()) {
      const isLast = i === stages.length - 1;
      const root = path.join(top, stage.name);
      mkdirSync(root, { recursive: true });
      chmodSync(root, 0o755);
      // The stage's filesystem is its WORKDIRs (each a folder under the stage's root); the
      // runtime's volumes become folders of their own.
      const roots = {};
      const dirs = [...new Set(stage.steps.filter((s) => s.op === 'WORKDIR').map((s) => s.dir))];
      for (const d of dirs) roots[d] = path.join(root, d.replace(/\//g, '_').replace(/^_/, '') || 'root');
      for (const v of stage.volumes) roots[v] = path.join(top, `volume${v.replace(/\//g, '_')}`);
      const map = mapper(roots);
      for (const dir of Object.values(roots)) {
        mkdirSync(dir, { recursive: true });
        chmodSync(dir, 0o755);
      }
      stageRoots[stage.name] = map;
      log(`stage ${stage.name} (${stage.image}) in ${root}`);
      const env = Object.fromEntries(Object.entries(stage.env).map(([k, v]) => [k, map.text(v)]));
      for (const step of stage.steps) {
        if (step.op === 'WORKDIR') continue;
        if (step.op === 'COPY') {
          log(`${step.where}: COPY ${step.from ? `--from=${step.from} ` : ''}${step.sources.join(' ')} ${step.dest}`);
          performCopy(step, { map, context, ignored, stageRoots });
        } else if (step.op === 'RUN') {
          const cwd = map(step.workdir);
          if (isLast) {
            // The runtime stage's RUN lines set up the image's system (its user, /data); on a host
            // they would change the machine, so the user switch below stands for them.
            log(`${step.where}: RUN not performed on the host (system setup of the image: ${String(step.command).slice(0, 80)}...)`);
            continue;
          }
          if (!cwd) throw new Error(`${step.where}: RUN in ${step.workdir}, a folder this script does not map; set a WORKDIR first`);
          run(step, cwd, buildEnv(env));
        }
      }
      const info = { name: stage.name, image: stage.image, workdirs: roots, user: stage.user, volumes: stage.volumes, expose: stage.expose };
      result.stages.push(info);
      if (!isLast) continue;

      // The runtime: ENTRYPOINT + CMD with the stage's ENV (and PATH/HOME, which the base image sets).
      const who = userPrefix(stage.user);
      for (const v of stage.volumes) if (who.uid !== undefined) chownSync(roots[v], who.uid, who.gid);
      const port = await freePort();
      const runEnv = { PATH: process.env.PATH, HOME: roots[stage.volumes[0]] ?? root, ...env, CI_INTEL_PORT: String(port) };
      const entry = (stage.entrypoint ?? []).map((a) => map.text(a));
      const argv = [...entry, ...(stage.cmd ?? []).map((a) => map.text(a))];
      const cwd = map(stage.workdir) ?? root;
      const asUser = (cmd) => [who.prefix[0] ?? cmd[0], [...who.prefix.slice(1), ...(who.prefix.length ? cmd : cmd.slice(1))]];
      // A one-off command on the volume before the hub holds it, as the README's `docker run --rm
      // ... token create` does: a read token to check the API answers with it.
      const [tokCmd, tokArgs] = asUser([...entry, 'token', 'create', '--repo', '**', '--scope', 'read', '--name', 'image-steps']);
      const tok = spawnSync(tokCmd, tokArgs, { cwd, env: runEnv, encoding: 'utf8', timeout: 120_000 });
      if (tok.status !== 0) throw new Error(`token create in the runtime folder failed (exit ${tok.status}): ${tok.stderr}`);
      const token = tok.stdout.trim();
      log(`start: ${[...who.prefix, ...argv].join(' ')} (cwd ${cwd}, port ${port}, as ${who.as})`);
      const [startCmd, startArgs] = asUser(argv);
      child = spawn(startCmd, startArgs, {
        cwd,
        env: runEnv,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const ready = await pollReady(`http://127.0.0.1:${port}/readyz`, child, readyTimeoutMs);
      log(`/readyz answered ${ready.status} ${JSON.stringify(ready.body)}`);
      const uid = uidOfPid(child.pid);
      const api = async (auth) =>
        (await fetch(`http://127.0.0.1:${port}/api/v1/runs`, { headers: auth ? { authorization: `Bearer ${auth}` } : {}, signal: AbortSignal.timeout(10_000) }))
          .status;
      const apiStatus = { withToken: await api(token), withoutToken: await api(null) };
      log(`GET /api/v1/runs: ${apiStatus.withToken} with the token, ${apiStatus.withoutToken} without`);
      // The HEALTHCHECK command itself, as the same user, on the port this run uses.
      let health = null;
      if (stage.healthcheck) {
        const hc = stage.healthcheck.command.map((a) => a.replaceAll(':8080/', `:${port}/`));
        const [hcCmd, hcArgs] = asUser(hc);
        const h = spawnSync(hcCmd, hcArgs, { cwd, env: runEnv, timeout: 30_000 });
        health = { command: stage.healthcheck.command, exitCode: h.status };
        log(`HEALTHCHECK ${hc.join(' ')} exited ${h.status}`);
      }
      child.kill('SIGTERM');
      const exit = await waitExit(child, 30_000);
      log(`SIGTERM: exited ${exit.code ?? exit.signal} after ${exit.ms} ms`);
      child = null;
      result.runtime = {
        appDir: cwd,
        dataDir: roots[stage.volumes[0]] ?? null,
        argv,
        env: { ...env, CI_INTEL_PORT: String(port) },
        ranAs: who.as,
        uid,
        ready,
        health,
        api: apiStatus,
        exit,
        userSwitch: who.prefix.length > 0,
      };
    }
    result.seconds = Math.round((Date.now() - t0) / 1000);
    ok = true;
    return result;
  } finally {
    if (child) child.kill('SIGKILL');
    // A failed run's folders (about 1 GB with the build's node_modules) go unless asked for.
    if (ok ? !keep : !keepFailed) rmSync(top, { recursive: true, force: true });
    else if (!ok) log(`kept ${top} (--keep-failed)`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  try {
    const res = await imageSteps({
      dockerfile: opt('--dockerfile') ? path.resolve(opt('--dockerfile')) : undefined,
      keep: args.includes('--keep'),
      keepFailed: args.includes('--keep-failed'),
    });
    if (opt('--json')) writeFileSync(opt('--json'), JSON.stringify(res, null, 2));
    const ok =
      res.runtime?.ready?.body?.ok === true &&
      res.runtime.exit.code === 0 &&
      (res.runtime.health?.exitCode ?? 0) === 0 &&
      res.runtime.api.withToken === 200 &&
      res.runtime.api.withoutToken === 401;
    log(ok ? `ok in ${res.seconds} s` : 'FAILED: see above');
    process.exit(ok ? 0 : 1);
  } catch (e) {
    process.stderr.write(`[image-steps] ${e.message}\n`);
    process.exit(1);
  }
}
