// Travis CI's job-log shape for the autopsy's ranking tests: travis-build's time markers (each ending
// in `\r\x1b[0K`), the step's verdict on its end line, the job's last word.

/** One timed Travis script step running `cmd`, printing `body`, exiting `exit`; then the job's last word. */
export function travisStep(cmd: string, body: string[], exit: number): string[] {
  return [
    `travis_time:start:0a1b2c3d\r\x1b[0K$ ${cmd}`,
    ...body,
    `travis_time:end:0a1b2c3d:start=3,finish=4,duration=1\r\x1b[0K\x1b[31;1mThe command "${cmd}" exited with ${exit}.\x1b[0m`,
    '',
    `Done. Your build exited with ${exit === 0 ? 0 : 1}.`,
  ];
}

/** A folded install step that passed, for logs whose failing step comes after set-up. */
export const TRAVIS_INSTALL_STEP = [
  'travis_fold:start:install.1\r\x1b[0Ktravis_time:start:1a2b3c4d\r\x1b[0K$ bundle install',
  'Bundle complete! 3 Gemfile dependencies, 12 gems now installed.',
  'travis_time:end:1a2b3c4d:start=1,finish=2,duration=1\r\x1b[0Ktravis_fold:end:install.1\r\x1b[0K',
];
