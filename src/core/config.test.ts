import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { configSection, coreConfigSchema, defaultConfig, envVariables, loadConfig, sectionOf, setting } from './config.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'ci-intel-cfg-'));

const mutation = configSection(
  'mutation',
  Type.Object(
    {
      thresholds: Type.Object(
        {
          scoreWarn: Type.Number(setting({ default: 0.7, description: 'warn', env: 'T_WARN' })),
          scoreFail: Type.Number(setting({ default: 0.6, description: 'fail' })),
        },
        { additionalProperties: false, default: {} },
      ),
      labels: Type.Record(Type.String(), Type.String(), { default: {} }),
      tokens: Type.Array(Type.String(), setting({ default: [], description: 'tokens', env: 'T_TOKENS', envSplit: 'whitespace' })),
    },
    { additionalProperties: false },
  ),
);

describe('config', () => {
  it('layers defaults < file < env < flags', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'server:\n  port: 9000\n  host: 0.0.0.0\nretention:\n  rawLogsDays: 7\n');
    const c = loadConfig({ cwd: dir, env: { CI_INTEL_PORT: '9100' }, flags: { server: { host: '127.0.0.2' } } });
    expect(c.server).toMatchObject({ port: 9100, host: '127.0.0.2' });
    expect(c.retention).toEqual({ rawLogsDays: 7, recordsDays: 180, derivedDays: 400 });
    expect(c.db).toBe(path.join(dir, '.ci-intel', 'db'));
  });

  it('uses DATABASE_URL as the store, and CI_INTEL_DB before it', () => {
    expect(loadConfig({ cwd: tmp(), env: { DATABASE_URL: 'postgres://u@h/db' } }).db).toBe('postgres://u@h/db');
    expect(loadConfig({ cwd: tmp(), env: { DATABASE_URL: 'postgres://u@h/db', CI_INTEL_DB: 'postgres://u@h/other' } }).db).toBe('postgres://u@h/other');
  });

  it('reads every setting that names an environment variable, typed by its schema', () => {
    const c = loadConfig({
      cwd: tmp(),
      env: {
        CI_INTEL_S3_BUCKET: 'logs',
        AWS_REGION: 'eu-west-1',
        CI_INTEL_PII_BAN_LIST: 'Jane Doe, intranet.example',
        CI_INTEL_NATS_ACK_WAIT_MS: '2000',
        CI_INTEL_LOG_LEVEL: 'debug',
        GITHUB_TOKEN: 'ghp_x',
        CI_INTEL_HUB: 'http://hub:8080',
        GITLAB_URL: '',
        CI_SERVER_URL: 'https://gitlab.example.com',
      },
    });
    expect(c.blob).toEqual({ kind: 's3', bucket: 'logs', region: 'eu-west-1' });
    expect(c.redact.banList).toEqual(['Jane Doe', 'intranet.example']);
    expect(c.natsAckWaitMs).toBe(2000);
    expect(c.logLevel).toBe('debug');
    expect(c.github).toEqual({ token: 'ghp_x', apiUrl: 'https://api.github.com' });
    expect(c.hub.url).toBe('http://hub:8080');
    expect(c.gitlab.url).toBe('https://gitlab.example.com'); // an empty variable counts as unset
    const s = sectionOf(loadConfig({ cwd: tmp(), env: { T_WARN: '0.9', T_TOKENS: 'a b,c' }, sections: [mutation] }), mutation);
    expect(s.thresholds.scoreWarn).toBe(0.9);
    expect(s.tokens).toEqual(['a', 'b', 'c']);
  });

  it('documents every setting it reads from the environment', () => {
    const vars = envVariables(coreConfigSchema);
    expect(vars.map((v) => v.path)).toContain('server.port');
    expect(vars.find((v) => v.path === 'db')!.env).toEqual(['CI_INTEL_DB', 'DATABASE_URL']);
  });

  it('names the place of a bad setting', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'server:\n  port: eighty\n');
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/\/server\/port must be integer/);
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'sever:\n  port: 1\n');
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/unknown key "sever"/);
    expect(() => loadConfig({ cwd: tmp(), env: { CI_INTEL_PORT: 'x' } })).toThrow(/CI_INTEL_PORT="x" is not an integer/);
    expect(() => loadConfig({ cwd: tmp(), env: { CI_INTEL_LOG_LEVEL: 'loud' } })).toThrow(/logLevel/);
  });

  it('validates and defaults pillar sections', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'mutation:\n  thresholds:\n    scoreWarn: 0.8\n');
    const c = loadConfig({ cwd: dir, env: {}, sections: [mutation] });
    expect(c.pillars.mutation).toEqual({ thresholds: { scoreWarn: 0.8, scoreFail: 0.6 }, labels: {}, tokens: [] });
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'mutation:\n  thresholds:\n    scoreWarn: high\n');
    expect(() => loadConfig({ cwd: dir, env: {}, sections: [mutation] })).toThrow(/mutation\/thresholds\/scoreWarn must be number/);
  });

  it('takes the old snake_case spelling with a warning naming the new one, never inside free maps', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'mutation:\n  thresholds:\n    score_warn: 0.8\n  labels:\n    weak_tests: red\n');
    const warnings: string[] = [];
    const c = loadConfig({ cwd: dir, env: {}, sections: [mutation], warn: (m) => warnings.push(m) });
    expect(sectionOf(c, mutation)).toEqual({ thresholds: { scoreWarn: 0.8, scoreFail: 0.6 }, labels: { weak_tests: 'red' }, tokens: [] });
    expect(warnings).toEqual([
      `${path.join(dir, 'ci-intel.yml')}: /mutation/thresholds/score_warn: the setting is now spelled scoreWarn; the old spelling still works for now`,
    ]);
  });

  it('gives a section its defaults when the configuration was built without it', () => {
    expect(sectionOf(defaultConfig(tmp()), mutation).thresholds).toEqual({ scoreWarn: 0.7, scoreFail: 0.6 });
    expect(sectionOf({ pillars: { mutation: { thresholds: { scoreFail: 0.5 } } } }, mutation).thresholds).toEqual({ scoreWarn: 0.7, scoreFail: 0.5 });
  });
});
