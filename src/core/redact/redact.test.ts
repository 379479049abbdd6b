import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redactor } from './index.js';

const r = new Redactor();

// Values in the real formats of each vendor (freshly made up; none is a real credential).
const SAMPLES: Array<[string, string, string]> = [
  ['github-token', 'export GH_TOKEN=ghp_Zx8Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz0Xcv', 'ghp_Zx8Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz0Xcv'],
  [
    'github-token',
    'pat github_pat_11ABCDEFG0123456789abc_defGHIJKLmnopQRSTuvwxYZ0123456789abcdefghijklmnopqrstuv',
    'github_pat_11ABCDEFG0123456789abc_defGHIJKLmnopQRSTuvwxYZ0123456789abcdefghijklmnopqrstuv',
  ],
  ['gitlab-token', 'PRIVATE-TOKEN: glpat-xY9zA8bC7dE6fG5hI4jK', 'glpat-xY9zA8bC7dE6fG5hI4jK'],
  ['slack-token', 'SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
  ['aws-access-key-id', 'aws_access_key_id = AKIAQX3ZJ7WENP4RT2LM', 'AKIAQX3ZJ7WENP4RT2LM'],
  ['aws-secret-access-key', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'],
  ['gcp-api-key', 'key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI', 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI'],
  [
    'azure-storage-key',
    'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;',
    'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  ],
  ['npm-token', '//registry.npmjs.org/:_authToken=npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', 'npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'],
  [
    'jwt',
    'Authorization: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  ],
  ['url-password', 'DATABASE_URL=postgres://app:S3cr3tPassw0rd@db.internal:5432/app', 'S3cr3tPassw0rd'],
  ['auth-header', '> Authorization: Bearer 8f4e2a9c7b1d3e5f6a8b0c2d4e6f8a0b', '8f4e2a9c7b1d3e5f6a8b0c2d4e6f8a0b'],
  ['secret-assignment', 'DEPLOY_SECRET=Qm9vbGVhbkZhbHNlOjEyMzQ1Njc4OQ', 'Qm9vbGVhbkZhbHNlOjEyMzQ1Njc4OQ'],
];

describe('redactor', () => {
  it.each(SAMPLES)('removes a %s', (_id, text, secret) => {
    const out = r.redact(text);
    expect(out.text).not.toContain(secret);
    expect(out.text).toContain('[REDACTED:');
  });

  it('keeps the user and host of a URL with a password', () => {
    expect(r.apply('git clone https://bot:hunter2hunter2@git.example.com/org/app.git')).toBe(
      'git clone https://bot:[REDACTED:url-password]@git.example.com/org/app.git',
    );
  });

  it('leaves ordinary assignments alone', () => {
    for (const t of [
      'TOKEN_NAME=deploy-token',
      'PASSWORD=${{ secrets.DB_PASSWORD }}',
      'SECRET_KEY_BASE=true',
      'npm run test -- --token-file=x',
      'DEPLOY_TOKEN: DEPLOY_TOKEN must be set',
    ]) {
      expect(r.apply(t)).toBe(t);
    }
    // ... while a value that is not a variable's name still goes.
    expect(r.apply('DEPLOY_TOKEN: x8Fq2LmZ9vB3nR7tK1')).toBe('DEPLOY_TOKEN: [REDACTED:secret-assignment]');
  });

  it('removes a whole PEM private key block, on one string and across stream chunks', async () => {
    const key = ['-----BEGIN RSA PRIVATE KEY-----', 'MIICXAIBAAKBgQC3aQ1YEXAMPLEONLY', 'k9V0Gx8t3bEXAMPLEONLYq3w==', '-----END RSA PRIVATE KEY-----'].join(
      '\n',
    );
    const text = `deploy key:\n${key}\ndone\n`;
    expect(r.apply(text)).toBe('deploy key:\n[REDACTED:private-key]\ndone\n');
    const chunks = text.match(/[\s\S]{1,7}/g)!;
    let out = '';
    for await (const c of Readable.from(chunks).pipe(r.stream())) out += c;
    expect(out).toBe('deploy key:\n[REDACTED:private-key]\ndone\n');
  });

  it('applies the PII ban list case-insensitively', () => {
    const p = new Redactor({ banList: ['jane.doe@example.com', 'Build-Host-7'] });
    expect(p.apply('mail JANE.DOE@example.com from build-host-7')).toBe('mail [REDACTED:pii] from [REDACTED:pii]');
  });

  it('redactValue keeps the same object when nothing changed', () => {
    const v = { a: 'x', b: ['y', { c: 'z' }] };
    expect(r.redactValue(v).value).toBe(v);
    const s = { a: 'token ghp_Zx8Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz0Xcv' };
    const out = r.redactValue(s);
    expect(out.changed).toBe(true);
    expect(out.value.a).toBe('token [REDACTED:github-token]');
  });

  it('leaks none of the secrets planted in the shared corpus', () => {
    const dir = new URL('../../../test/corpus/autopsy/', import.meta.url).pathname;
    const manifest = readFileSync(dir + 'manifest.jsonl', 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const withSecrets = manifest.filter((m: { secrets?: string[] }) => m.secrets?.length);
    expect(withSecrets.length).toBeGreaterThan(0);
    for (const m of withSecrets) {
      const out = r.apply(readFileSync(dir + m.log, 'utf8'));
      for (const secret of m.secrets as string[]) {
        for (const part of secret.split('\n').filter((l) => l.trim() && !l.startsWith('-----'))) {
          expect(out.includes(part), `${m.id}: ${part.slice(0, 12)}…`).toBe(false);
        }
      }
    }
  });

  it('is linear-time on hostile input (no rule backtracks catastrophically)', () => {
    const hostile = ['a'.repeat(200_000), 'x://' + ':'.repeat(100_000), 'SECRET=' + '='.repeat(100_000), 'eyJ' + 'a'.repeat(100_000) + '.'];
    for (const h of hostile) {
      const t0 = performance.now();
      r.apply(h);
      // Generous: catastrophic backtracking would take seconds to hours, linear takes milliseconds.
      expect(performance.now() - t0).toBeLessThan(2_000);
    }
  });

  it('never grows a secret back: redacting twice changes nothing more (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const once = r.apply(s);
        expect(r.apply(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });
});

describe('redactor keyword prefilter', () => {
  const plain = new Redactor({ noPrefilter: true });
  it('every built-in rule match contains one of its keywords', () => {
    for (const [, text] of SAMPLES) {
      for (const rule of r.rules) {
        rule.pattern.lastIndex = 0;
        for (const m of text.matchAll(rule.pattern)) {
          expect(rule.keywords?.some((k) => m[0].toLowerCase().includes(k)) ?? true, `${rule.id} on ${text}`).toBe(true);
        }
      }
    }
  });

  it('redacts exactly as running every rule does (property)', () => {
    const fragments = SAMPLES.map(([, t]) => t).concat(['Bearer ', 'password=', '://u:', '@host', 'eyJ', 'AKIA', 'Q~', ' ', '\n', '=', 'x']);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 12 })), { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(r.apply(text)).toBe(plain.apply(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('over-long lines', () => {
  const collect = async (chunks: string[], opts: { piece?: number; lookAhead?: number } = {}) => {
    let out = '';
    for await (const c of Readable.from(chunks).pipe(r.stream(opts))) out += c as string;
    return out;
  };
  const filler = (n: number, seed: number) => {
    const words = ['lorem', 'ipsum', 'dolor', 'build', 'step', '{"a":1}', 'x=1', 'ok', 'https://example.com/p'];
    let s = '';
    for (let i = 0; s.length < n; i++) s += words[(i * 7 + seed) % words.length] + ' ';
    return s.slice(0, n);
  };

  // Whatever the piece boundaries, no secret of SAMPLES survives in a line longer than a piece,
  // and the line is passed on whole (same line count, no line end invented).
  it('never lets a secret through across piece boundaries (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: SAMPLES.length - 1 }), fc.integer({ min: 0, max: 900 })), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 64, max: 400 }),
        fc.integer({ min: 1, max: 300 }),
        async (placed, piece, chunk) => {
          let line = '';
          placed.forEach(([i, gap], k) => (line += filler(gap, k) + ' ' + SAMPLES[i]![1] + ' '));
          line += filler(500, 3) + '\n';
          const chunks: string[] = [];
          for (let i = 0; i < line.length; i += chunk) chunks.push(line.slice(i, i + chunk));
          const out = await collect(chunks, { piece, lookAhead: 256 });
          for (const [i] of placed) expect(out).not.toContain(SAMPLES[i]![2]);
          expect(out.split('\n').length).toBe(2);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('redacts a 40 MB line with secrets at the default piece boundaries, in linear memory', async () => {
    const MB = 1024 * 1024;
    const parts: string[] = [];
    const secrets: string[] = [];
    let length = 0;
    for (let k = 1; k <= 40; k++) {
      const [, sample, secret] = SAMPLES[k % SAMPLES.length]!;
      const text = ` ${sample} `;
      // Each secret straddles the k-th MiB boundary (where a naive cut would fall).
      const pad = filler(k * MB - Math.floor(text.length / 2) - length, k);
      parts.push(pad, text);
      length += pad.length + text.length;
      secrets.push(secret);
    }
    const line = parts.join('') + '\n';
    const chunks: string[] = [];
    for (let i = 0; i < line.length; i += 65536) chunks.push(line.slice(i, i + 65536));
    const out = await collect(chunks);
    for (const s of secrets) expect(out).not.toContain(s);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.split('\n').length).toBe(2);
  });
});

// Ordinary CI log lines that name secrets without holding one: the assignment rule leaves them
// alone (it once redacted half of such lines, hiding the very text people debug with).
const NORMAL_LINES = [
  'TOKEN_ENDPOINT=https://oauth2.googleapis.com/token',
  'auth_method=oidc-federated-v2',
  'SECRET_SOURCE=vault:kv/data/ci/app#version3',
  'CSRF_TOKEN_HEADER=X-XSRF-TOKEN',
  'secretName: registry-credentials-v2',
  'tokenizer=./models/tokenizer.json',
  'Using AUTH_TYPE=aws-iam-role for the registry',
  'password_policy=min12chars,upper,digit',
  'github.token=${{ secrets.GITHUB_TOKEN }}',
  'Token cache: /home/runner/.cache/token-cache.json',
  'auth-url=https://login.microsoftonline.com/common',
  'API_KEY_HEADER=X-Api-Key-v2',
  'secret-scanning: enabled (push protection=on)',
  'credentials_file=/etc/ci/creds.json',
  '[INFO] tokenizer: loaded vocab=32000 merges=31999',
  'AUTH_PROVIDER=github-oauth2',
  'export SECRETS_DIR=/run/secrets/ci-build',
  'refresh_token_ttl=86400s',
  'TOKEN_AUDIENCE=sts.amazonaws.com',
  'Authenticating with authType=serviceAccount2',
  'secret_version=projects/123456/secrets/db/versions/7',
  'access_key_id=ASIA**************** (masked)',
  'passwordless=true',
  'x-auth-token-expiry: 2026-12-05T10:00:00Z',
  'accessKeyRotation=P90D-enabled',
  'PRIVATE_KEY_PATH=/home/runner/.ssh/id_ed25519',
  'tokens: 1532 prompt, 210 completion',
  'password: ********',
  'SECRET_KEY_BASE is set (128 chars)',
  'auth=basic realm=Registry2024',
  'npm verb getCredentialsByURI token not found',
  'TokenCredential: using ManagedIdentity2',
  'apiKey=process.env.STRIPE_KEY',
  'secret=${SECRET}',
  'ci_token=$CI_JOB_TOKEN',
  'auth_server=auth.internal.example.com:8443',
  'token_type=Bearer',
  'credentials=AWS4-HMAC-SHA256',
];

describe('lines that only name secrets', () => {
  it.each(NORMAL_LINES)('keeps %s', (line) => {
    expect(r.apply(line)).toBe(line);
  });
  it('still redacts assigned credentials next to them', () => {
    for (const [line, secret] of [
      ['DB_PASSWORD=Xk9mP2vL7qR4wZ', 'Xk9mP2vL7qR4wZ'],
      ['export API_KEY="Passw0rd123x"', 'Passw0rd123x'],
      ['SECRET_KEY_BASE=a8f5f167f44f4964e6c998dee827110c', 'a8f5f167f44f4964e6c998dee827110c'],
      ['client_secret: 9fR2-xQ7p-Lm3z-Tk8w', '9fR2-xQ7p-Lm3z-Tk8w'],
    ])
      expect(r.apply(line!)).not.toContain(secret);
  });
});
