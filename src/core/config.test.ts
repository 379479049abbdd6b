import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'ci-intel-cfg-'));

describe('config', () => {
  it('layers defaults < file < env < flags', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'server:\n  port: 9000\n  host: 0.0.0.0\nretention:\n  rawLogsDays: 7\n');
    const c = loadConfig({ cwd: dir, env: { CI_INTEL_PORT: '9100' }, flags: { server: { host: '127.0.0.2' } } });
    expect(c.server).toMatchObject({ port: 9100, host: '127.0.0.2' });
    expect(c.retention).toEqual({ rawLogsDays: 7, recordsDays: 180, derivedDays: 400 });
    expect(c.db).toBe(path.join(dir, '.ci-intel', 'db'));
  });

  it('uses DATABASE_URL as the store', () => {
    expect(loadConfig({ cwd: tmp(), env: { DATABASE_URL: 'postgres://u@h/db' } }).db).toBe('postgres://u@h/db');
  });

  it('names the place of a bad setting', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'server:\n  port: eighty\n');
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/\/server\/port must be integer/);
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'sever:\n  port: 1\n');
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(/unknown key "sever"/);
    expect(() => loadConfig({ cwd: tmp(), env: { CI_INTEL_PORT: 'x' } })).toThrow(/CI_INTEL_PORT="x" is not an integer/);
  });

  it('validates and defaults pillar sections', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'mutation:\n  thresholds:\n    score_warn: 0.8\n');
    const section = {
      key: 'mutation',
      schema: {
        type: 'object',
        properties: {
          thresholds: {
            type: 'object',
            default: {},
            properties: { score_warn: { type: 'number', default: 0.7 }, score_fail: { type: 'number', default: 0.6 } },
          },
        },
      },
    };
    const c = loadConfig({ cwd: dir, env: {}, sections: [section] });
    expect(c.pillars.mutation).toEqual({ thresholds: { score_warn: 0.8, score_fail: 0.6 } });
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'mutation:\n  thresholds:\n    score_warn: high\n');
    expect(() => loadConfig({ cwd: dir, env: {}, sections: [section] })).toThrow(/mutation\/thresholds\/score_warn must be number/);
  });
});
