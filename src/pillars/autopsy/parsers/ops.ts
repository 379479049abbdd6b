// Infrastructure and shell tools: docker/buildkit, terraform, ansible, curl, git, ssh, gpg, make,
// aws, and plain shell (bash xtrace, coreutils, `script.sh: line N:` errors).
import { relPath, stepBefore, type ToolParser } from './common.js';

const fromStep: ToolParser['repro'] = (hit, _t, facts) => stepBefore(facts, hit.line);

/** The command an xtrace (`set -x`) line shows just above a hit. */
function xtraceBefore(before: Array<{ text: string }>, word: RegExp): string | null {
  for (let i = before.length - 1; i >= Math.max(0, before.length - 6); i--) {
    const m = /^\++ (.+)$/.exec(before[i]!.text);
    if (m && word.test(m[1]!)) return m[1]!;
  }
  return null;
}

export const docker: ToolParser = {
  tool: 'docker',
  signals: [
    /^docker: /,
    /^#\d+ \[[\w\s/-]*\d+\/\d+\]/,
    /^#\d+ (?:DONE|ERROR|CACHED)\b/,
    /ERROR: failed to (?:solve|build)/,
    /Error response from daemon/,
    /^Step \d+\/\d+ : /,
    /^Sending build context to Docker daemon/,
  ],
  locate(hit) {
    for (const l of [hit, ...hit.after.slice(0, 12)]) {
      const m = /\b((?:\S+\/)?Dockerfile[\w.-]*):(\d+)\b/.exec(l.text);
      if (m) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    return null;
  },
  repro: fromStep,
};

export const terraform: ToolParser = {
  tool: 'terraform',
  signals: [
    /^(?:│ )?Error: /,
    /^╷$/,
    /^Terraform (?:will perform|used the selected providers|has been successfully initialized)/,
    /^Initializing (?:the backend|provider plugins)/,
    /^Plan: \d+ to add/,
  ],
  locate(hit) {
    for (const l of [hit, ...hit.after.slice(0, 8)]) {
      const m = /on (\S+\.tf(?:vars)?) line (\d+)/.exec(l.text);
      if (m) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    return null;
  },
  repro: (hit, t, facts) => fromStep!(hit, t, facts) ?? 'terraform plan',
};

export const ansible: ToolParser = {
  tool: 'ansible',
  signals: [/^PLAY \[.*\] \*+$/, /^TASK \[.*\] \*+$/, /^PLAY RECAP \*+$/, /^fatal: \[[^\]]+\]/, /^ERROR! /],
  locate(hit) {
    for (const l of [hit, ...hit.after.slice(0, 12)]) {
      const m = /The (?:error|offending line) appears to be in '([^']+)': line (\d+)/.exec(l.text);
      if (m) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    return null;
  },
  repro: fromStep,
};

export const curl: ToolParser = {
  tool: 'curl',
  signals: [/^curl: \(\d+\) /],
  repro: (hit, t, facts) => xtraceBefore(hit.before, /^curl\b/) ?? fromStep!(hit, t, facts),
};

export const git: ToolParser = {
  tool: 'git',
  signals: [
    /^fatal: (?:unable to access|repository|could not read|Authentication failed|not a git repository|couldn't find remote ref|Could not read from remote)/,
    /^remote: /,
    /^Cloning into '/,
    /^To \S+$/,
    /^ ! \[(?:rejected|remote rejected)\]/,
    /^CONFLICT \(/,
  ],
  repro: (hit, t, facts) => xtraceBefore(hit.before, /^git\b/) ?? fromStep!(hit, t, facts),
};

export const ssh: ToolParser = {
  tool: 'ssh',
  signals: [
    /^ssh: /,
    /: Permission denied \((?:publickey|password)/,
    /^kex_exchange_identification: /,
    /^Host key verification failed\.$/,
    /^Warning: Permanently added /,
  ],
  repro: (hit, t, facts) => xtraceBefore(hit.before, /^(?:ssh|scp|rsync)\b/) ?? fromStep!(hit, t, facts),
};

export const gpg: ToolParser = {
  tool: 'gpg',
  signals: [/^gpg: /],
  repro: (hit, t, facts) => xtraceBefore(hit.before, /^gpg\b/) ?? fromStep!(hit, t, facts),
};

export const make: ToolParser = {
  tool: 'make',
  signals: [/^make(?:\[\d+\])?: /],
  locate(hit) {
    const m = /^make(?:\[\d+\])?: \*\*\* \[([^:\]]+):(\d+):/.exec(hit.text) ?? /^(\S*[Mm]akefile\S*):(\d+): /.exec(hit.text);
    return m ? { file: relPath(m[1]!), line: Number(m[2]) } : null;
  },
  repro: (hit, t, facts) => {
    const target = /^make(?:\[\d+\])?: \*\*\* \[[^\]]*?(?::\d+)?: ([^\]]+)\]/.exec(hit.text);
    return fromStep!(hit, t, facts) ?? (target ? `make ${target[1]}` : null);
  },
};

export const aws: ToolParser = {
  tool: 'aws',
  signals: [/^(?:fatal error|upload failed|download failed|delete failed): /, /^An error occurred \(\w+\)/, /^aws: error: /, /botocore\.exceptions\./],
  repro: (hit, t, facts) => xtraceBefore(hit.before, /^aws\b/) ?? fromStep!(hit, t, facts),
};

export const shell: ToolParser = {
  tool: 'shell',
  signals: [/^\S+\.(?:sh|bash): line \d+: /, /^(?:\/usr\/bin\/|\/bin\/)?(?:bash|sh|dash|zsh): (?:line \d+: )?\S/],
  locate(hit) {
    const m = /^(\S+\.(?:sh|bash)): line (\d+): /.exec(hit.text);
    return m ? { file: relPath(m[1]!), line: Number(m[2]) } : null;
  },
  repro: (hit, t, facts) => {
    const m = /^(\S+\.(?:sh|bash)): line \d+: /.exec(hit.text);
    return fromStep!(hit, t, facts) ?? (m ? `bash ${m[1]}` : xtraceBefore(hit.before, /./));
  },
};
