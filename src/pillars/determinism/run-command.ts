// `ci-intel repro [options] -- BUILD COMMAND`: the parent command; the dual run itself comes with
// run.ts.
import type { Command } from 'commander';
import { examples } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';

export function reproCommand(program: Command, _ctx: CliContext): Command {
  return examples(
    program
      .command('repro')
      .description('Reproducible builds: compare two builds of an artifact and classify every difference, normalise archives')
      .argument('[build...]', 'the build command, after --')
      .action(() => {
        throw new CiError('E_USAGE', 'the build-twice run is not available yet', { where: 'repro', hint: 'use ci-intel repro diff A B on two builds' });
      }),
    'ci-intel repro diff build1/app.tar.gz build2/app.tar.gz',
  );
}
