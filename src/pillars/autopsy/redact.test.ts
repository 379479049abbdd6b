// The shared redactor as the autopsy pillar extends it (issue 4, deliverable 9). Every value below
// is made up in the vendor's published format; none is or was a real credential.
import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../core/redact/index.js';

const streamed = async (r: Redactor, chunks: string[]) => {
  let out = '';
  for await (const c of Readable.from(chunks).pipe(r.stream())) out += String(c);
  return out;
};

const streamedKeep = async (r: Redactor, chunks: string[]) => {
  let out = '';
  for await (const c of Readable.from(chunks).pipe(r.stream({ keepLines: true }))) out += String(c);
  return out;
};

const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const pemBody = pem.split('\n').filter((l) => l && !l.startsWith('-----'));

describe('redaction', () => {
  const r = new Redactor({ banList: ['jane.doe@acme.example', 'build-host-17.acme.internal'] });
  const cases: Array<[string, string, string]> = [
    ['github', 'token ghp_a3AuL6ZAVMtdnJNMDzZEOT7yZ4LXrVgqSETk', 'ghp_a3AuL6ZAVMtdnJNMDzZEOT7yZ4LXrVgqSETk'],
    ['github fine-grained', 'GH=github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789abcdefGHIJKLMNOPQRSTUV', 'github_pat_11ABCDEFG0aBcDeFgHiJkL'],
    ['gitlab', 'glpat-7JCka09oD2rbZ0KN76up used', 'glpat-7JCka09oD2rbZ0KN76up'],
    ['slack', 'SLACK=xoxb-234328289551-2001938829285-ltiATwGLdlWPwIY6OYRsA6Af', 'ltiATwGLdlWPwIY6OYRsA6Af'],
    ['aws id', 'AWS_ACCESS_KEY_ID=AKIAOZWGT894KUHH7V2C', 'AKIAOZWGT894KUHH7V2C'],
    ['aws secret', 'AWS_SECRET_ACCESS_KEY=J6scL3llKmtsMm8IHCUYJzSXOj4/YS+H+lsQMfdO', 'J6scL3llKmtsMm8IHCUYJzSXOj4/YS+H+lsQMfdO'],
    ['gcp api key', 'key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'],
    ['gcp sa key id', '"private_key_id": "0f3a9c1e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a",', '0f3a9c1e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a'],
    ['gcp sa key (one line, escaped newlines)', `"private_key": "${pem.replace(/\n/g, '\\n')}"`, pemBody[3]!],
    [
      'azure storage',
      'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A=;EndpointSuffix=core.windows.net',
      'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A=',
    ],
    [
      'azure sas',
      'https://acme.blob.core.windows.net/c/x?sv=2022-11-02&sig=Qm9ndXNTaWduYXR1cmVWYWx1ZTEyMzQ1Njc4OTA%3D',
      'Qm9ndXNTaWduYXR1cmVWYWx1ZTEyMzQ1Njc4OTA',
    ],
    ['azure client secret', 'AZ=abc8Q~Zx1yW2vU3tS4rQ5pO6nM7lK8jI9hG0fE_d', 'abc8Q~Zx1yW2vU3tS4rQ5pO6nM7lK8jI9hG0fE_d'],
    ['npm', '//registry.npmjs.org/:_authToken=npm_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Y', 'npm_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Y'],
    [
      'jwt',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdmMifQ.VqfWYFhX0GKHtibe-6hLoZykkdpSUDu8yIdcjYpDgPo',
      'VqfWYFhX0GKHtibe-6hLoZykkdpSUDu8yIdcjYpDgPo',
    ],
    ['url password', 'DATABASE_URL=postgres://deployer:yvorcsq2McQMLuUL4l9x@127.0.0.1:5432/app', 'yvorcsq2McQMLuUL4l9x'],
    ['secret assignment', 'export DEPLOY_SECRET="q8Zt3Lw0Pv7Xn2Rk5Jm9"', 'q8Zt3Lw0Pv7Xn2Rk5Jm9'],
    ['docker login -p', '+ docker login -u ci -p Zq7Wd2Lp9Xr4Tm6Kv1 registry.example.com', 'Zq7Wd2Lp9Xr4Tm6Kv1'],
    ['--password flag', '+ helm repo add acme https://charts.example.com --username ci --password Hq3Rz8Lm1Vx6Tn2Kp9', 'Hq3Rz8Lm1Vx6Tn2Kp9'],
    ['docker pat', 'DOCKER_TOKEN dckr_pat_2pXk9LmQ7rTz4WvN8yHs1JcE6aB', 'dckr_pat_2pXk9LmQ7rTz4WvN8yHs1JcE6aB'],
    ['pii ban list', 'committer jane.doe@acme.example on build-host-17.acme.internal', 'jane.doe@acme.example'],
  ];
  for (const [name, text, secret] of cases) {
    it(`redacts ${name}`, () => {
      const out = r.apply(text);
      expect(out).not.toContain(secret);
      expect(out).toContain('[REDACTED:');
    });
  }

  it('keeps what is not a secret (words, variable references, paths, hashes in evidence)', () => {
    for (const text of [
      'TOKEN_NAME=deploy-token',
      'password: ${{ secrets.DB_PASSWORD }}',
      'API_KEY=$API_KEY',
      'npm error sha512-abc integrity checksum failed when using sha512',
      'mkdir -p build/meta && ssh -p 22 host',
      'error[E0382]: borrow of moved value: `jobs`',
    ]) {
      expect(r.apply(text)).toBe(text);
    }
  });

  it('drops every body line of a multi-line private key, streamed in arbitrary chunks, GitHub Actions timestamps included', async () => {
    const ts = (l: string) => `2026-11-22T07:51:28.6066958Z ${l}`;
    const log = ['+ cat deploy_key', ...pem.trimEnd().split('\n'), 'ssh: connect to host 127.0.0.1 port 2: Connection refused'].map(ts).join('\n') + '\n';
    for (const size of [1, 7, 64, 4096]) {
      const chunks = log.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      const out = await streamed(r, chunks);
      for (const l of pemBody) expect(out).not.toContain(l);
      const kept = await streamedKeep(r, chunks);
      for (const l of pemBody) expect(kept).not.toContain(l);
      // keepLines: the stored log keeps its line numbers.
      expect(kept.split('\n')).toHaveLength(log.split('\n').length);
      expect(out).toContain('Connection refused');
      expect(out).toContain('[REDACTED:private-key]');
    }
  });
});
