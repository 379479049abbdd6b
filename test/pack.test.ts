// Installable: `npm pack` gives a package that installs into an empty folder and runs — its own
// dependencies only (no dev dependencies at run time), the CLI on the PATH of the install.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

describe('the npm package', () => {
  it('packs, installs into an empty folder and runs ci-intel --help and --version', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-pack-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: root, encoding: 'utf8' })) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/web/index.html');
    expect(files).toContain('dist/action/index.js');
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.test.js'))).toBe(false);

    const app = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-install-'));
    writeFileSync(path.join(app, 'package.json'), '{"name":"empty","private":true}');
    execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', path.join(out, packed[0]!.filename)], { cwd: app, stdio: 'pipe' });
    for (const dev of Object.keys(pkg.devDependencies)) expect(existsSync(path.join(app, 'node_modules', dev)), `${dev} installed`).toBe(false);

    const bin = path.join(app, 'node_modules/.bin/ci-intel');
    const help = execFileSync(bin, ['--help'], { cwd: app, encoding: 'utf8' });
    expect(help).toContain('Usage: ci-intel');
    expect(help).toContain('report');
    expect(execFileSync(bin, ['--version'], { cwd: os.tmpdir(), encoding: 'utf8' }).trim()).toBe(pkg.version);
    // The library entry points resolve from the installed package.
    const names = execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(Object.keys(await import('ci-intel/parsers')).join(','))"], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(names).toContain('parseReportFile');
  }, 600_000);
});
