// Checks over shell text shared by GitHub `run:` and GitLab `script:`: downloaded scripts piped into
// an interpreter, secrets on command lines or printed, static cloud keys configured by hand.
// Works on the source text as written so every finding lands on its own line; a line continued with
// a backslash is one logical line (the construct is reported where it starts).

export interface ShellHit {
  rule: 'remote-script-exec' | 'secret-in-command' | 'long-lived-credentials';
  /** Offset in the text given. */
  offset: number;
  message: string;
  fix: string;
}

/** A variable name that holds a secret by its name (GitLab CI/CD variables, shell env). */
const SECRET_NAME = /(PASSWORD|PASSWD|_PASS$|TOKEN|SECRET|API_?KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?$|_AUTH$)/i;
/** Names about a secret that are not one: its user, file, URL, id ... */
const NOT_SECRET = /_(?:USER|USERNAME|NAME|ID|URL|URI|FILE|PATH|TYPE|HOST|HEADER|SCOPES?|EXPIRES?(?:_AT)?|LENGTH|ENABLED)$/i;

export const isSecretName = (name: string) => SECRET_NAME.test(name) && !NOT_SECRET.test(name);

const REMOTE_EXEC: RegExp[] = [
  // curl … | sh, wget -qO- … | sudo -E bash -
  /\b(?:curl|wget|iwr|Invoke-WebRequest)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+(?:\S+=\S*\s+)*)?(?:\/(?:usr\/)?bin\/)?(?:ba|z|k|da|fi)?sh\b(?!\.)/,
  /\b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:python[23]?|node|perl|ruby|php|pwsh|powershell)\b(?!\.)/,
  // sh -c "$(curl …)", bash <(curl …), source <(wget …)
  /\b(?:ba|z|k|da)?sh\s+(?:-\w+\s+)*["']?\$\(\s*(?:curl|wget)\b/,
  /(?:\b(?:ba|z|k|da)?sh|\bsource|(?:^|[;&|\s])\.)\s+<\(\s*(?:curl|wget)\b/,
  /\beval\s+["']?\$\(\s*(?:curl|wget)\b/,
  // PowerShell: iex (iwr …), iwr … | iex, (New-Object Net.WebClient).DownloadString(…) | iex
  /\b(?:iex|Invoke-Expression)\b[^\n]*\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|DownloadString)\b/i,
  /\b(?:iwr|irm|Invoke-WebRequest|Invoke-RestMethod|DownloadString)\b[^\n]*\|\s*(?:iex|Invoke-Expression)\b/i,
];

const LOGIN_PASSWORD = /\b(?:docker|podman|buildah|nerdctl|skopeo|oras|crane|helm(?:\s+registry)?)\s+login\b[^|;&\n]*?\s(?:-p|--password)(?:=|\s+)(?!-)(\S+)/;

const LONG_LIVED_CMD: { re: RegExp; what: string; fix: string }[] = [
  {
    re: /\baws\s+configure\s+set\s+(?:default\.)?aws_(?:access_key_id|secret_access_key)\b/,
    what: 'static AWS access keys are configured in the script',
    fix: 'assume an IAM role through OIDC (GitHub: aws-actions/configure-aws-credentials with role-to-assume; GitLab: id_tokens + aws sts assume-role-with-web-identity)',
  },
  {
    re: /\bgcloud\s+auth\s+activate-service-account\b[^\n]*--key-file\b/,
    what: 'a Google Cloud service-account key file is used',
    fix: 'use Workload Identity Federation (GitHub: google-github-actions/auth with workload_identity_provider; GitLab: id_tokens)',
  },
  {
    re: /\baz\s+login\s+--service-principal\b[^\n]*\s(?:-p|--password|--secret)[\s=]/,
    what: 'an Azure service-principal secret is used to sign in',
    fix: 'sign in with a federated credential (az login --federated-token, or azure/login with client-id/tenant-id and id-token: write)',
  },
];

/** Checks matching one logical line: the first of a check's expressions to match is the hit. */
const LINE_CHECKS: { rule: ShellHit['rule']; res: RegExp[]; message: string; fix: string }[] = [
  {
    rule: 'remote-script-exec',
    res: REMOTE_EXEC,
    message: 'a script downloaded at run time is executed without checking it',
    fix: 'download to a file, verify its checksum or signature (sha256sum -c), then run it; or use a pinned package or action',
  },
  {
    rule: 'secret-in-command',
    res: [LOGIN_PASSWORD],
    message: 'a registry password is passed on the command line (visible in process lists and shell traces)',
    fix: 'pipe it on stdin: echo "$PASSWORD" | docker login -u USER --password-stdin REGISTRY',
  },
  ...LONG_LIVED_CMD.map((l) => ({ rule: 'long-lived-credentials' as const, res: [l.re], message: l.what, fix: l.fix })),
];

/** `$NAME` / `${NAME}` / `$env:NAME` references in a piece of shell. */
function varsIn(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|env:([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/**
 * Scans shell text. `isSecret(name)` says whether an environment variable holds a secret (GitHub:
 * mapped from `secrets.*`; GitLab: by name).
 */
export function scanShell(text: string, isSecret: (name: string) => boolean): ShellHit[] {
  const hits: ShellHit[] = [];
  // Backslash-newline becomes two spaces: offsets stay those of the source.
  const norm = text.replace(/\\\r?\n/g, (m) => ' '.repeat(m.length));
  let pos = 0;
  for (const line of norm.split('\n')) {
    const start = pos;
    pos += line.length + 1;
    const trimmed = line.trimStart();
    if (trimmed.startsWith('#') || trimmed.startsWith('- #')) continue;
    // A comment at the end of a line is not code.
    const code = line.replace(/\s#\s.*$/, '');
    for (const c of LINE_CHECKS) {
      const m = c.res.map((re) => re.exec(code)).find((x) => x !== null);
      if (m) hits.push({ rule: c.rule, offset: start + m.index, message: c.message, fix: c.fix });
    }
    for (const m of code.matchAll(/\b(echo|printf|Write-Host|Write-Output)\b([^|;&>\n]*)([|>]?)/g)) {
      const args = m[2] ?? '';
      if (args.includes('::add-mask::')) continue;
      // Piped into a command or written to a file: not printed to the log.
      if (m[3] === '|' && code[m.index + m[0].length] !== '|') continue;
      if (m[3] === '>') continue;
      const secret = varsIn(args).find(isSecret);
      if (secret) {
        hits.push({
          rule: 'secret-in-command',
          offset: start + m.index,
          message: `the secret ${secret} is printed to the job log`,
          fix: 'do not print secrets; pass them to the command that needs them through its environment or stdin',
        });
      }
    }
  }
  return hits;
}
