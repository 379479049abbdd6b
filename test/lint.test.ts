// The layering rule (scripts/eslint-layering.js) fails the build when a layer reaches up: core
// importing a pillar or the server, a pillar importing another pillar or the CLI — tests beside the code included.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import layering from '../scripts/eslint-layering.js';

const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { 'ci-intel': { rules: { layering } } },
      rules: { 'ci-intel/layering': 'error' },
    },
  ],
});
const lint = async (file: string, code: string) => (await eslint.lintText(code, { filePath: file }))[0]!.messages.map((m) => m.message);

describe('layering rule', () => {
  it('refuses core importing anything outside core', async () => {
    expect(await lint('src/core/runs/x.ts', "import { createApp } from '../../server/app.js';")).toEqual([expect.stringMatching(/core imports only core/)]);
    expect(await lint('src/core/x.ts', "import { autopsy } from '../pillars/autopsy/index.js';")).toHaveLength(1);
    expect(await lint('src/core/x.ts', "const m = await import('../cli/program.js');")).toHaveLength(1);
    expect(await lint('src/core/x.ts', "import { sql } from './db/index.js'; import pg from 'pg';")).toEqual([]);
  });
  it('refuses a pillar importing another pillar, the CLI or the server', async () => {
    expect(await lint('src/pillars/mutation/x.ts', "import { x } from '../autopsy/store.js';")).toEqual([
      expect.stringMatching(/imports only src\/core\/ and its own folder/),
    ]);
    expect(await lint('src/pillars/mutation/x.ts', "export { y } from '../../cli/program.js';")).toHaveLength(1);
    expect(await lint('src/pillars/mutation/web/page.ts', "import { z } from '../../metrics/web/page.js';")).toHaveLength(1);
    expect(await lint('src/pillars/mutation/x.ts', "import { a } from './store.js'; import { b } from '../../core/cli.js';")).toEqual([]);
  });
  it('holds tests beside the code to the same layers; they reach the assembled hub through test/support', async () => {
    expect(await lint('src/pillars/mutation/x.test.ts', "import { createApp } from '../../server/app.js';")).toHaveLength(1);
    expect(await lint('src/core/x.test.ts', "import { runCli } from '../cli/program.js';")).toHaveLength(1);
    expect(await lint('src/pillars/mutation/x.test.ts', "import { createApp } from '../../../test/support/assembled.js';")).toEqual([]);
  });
  it('lets the registry assemble the pillars', async () => {
    expect(await lint('src/pillars/index.ts', "import { autopsy } from './autopsy/index.js';")).toEqual([]);
  });
});
