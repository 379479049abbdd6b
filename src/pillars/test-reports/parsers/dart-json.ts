// Dart and Flutter `--reporter json` (package:test's JSON reporter protocol): one event per line.
// `testStart` names a test (its name already holds its groups) and its suite; `testDone` gives
// `result` success|failure|error and `skipped`; `error` events carry the messages. The runner's
// hidden tests (`loading <file>`) are counted only when they did not succeed: a file that does not
// load is an errored test, as the runner's own summary counts it. Test id: `<suite path>::<name>`.
// Streamed: a test is remembered only between its start and done events.
import { CiError } from '../../../core/errors.js';
import { splitLines } from '../../../core/lines.js';
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage, MESSAGE_CAP } from './assemble.js';
import { isObject, num, str } from './json-doc.js';
import type { ReportParser } from './types.js';

const RESULT: Record<string, TestStatus> = { success: 'passed', failure: 'failed', error: 'errored' };

export const parseDartJson: ReportParser = async (input, target, name) => {
  const suites = new Map<number, string>();
  const running = new Map<
    number,
    { name: string; suite: string | null; scope: number; start: number | null; message: string; file: string | null; line: number | null }
  >();
  let started: number | null = null;
  let ended: number | null = null;
  for await (const l of splitLines(input, { maxLineBytes: 16 * 1024 * 1024 })) {
    if (l.tooLong || l.text === undefined || !l.text.trim()) continue;
    let e: unknown;
    try {
      e = JSON.parse(l.text);
    } catch (err) {
      // `flutter test` can print plain lines between the events; only a line that looks like an event must be one.
      if (!l.text.trimStart().startsWith('{')) continue;
      throw new CiError('E_REPORT_MALFORMED', `not valid JSON: ${(err as Error).message}`, {
        where: `${name}:${l.no}`,
        hint: 'pass the output of dart test --reporter json',
      });
    }
    if (!isObject(e)) continue;
    const time = num(e.time);
    switch (e.type) {
      case 'start':
        started = time;
        break;
      case 'done':
        ended = time;
        break;
      case 'suite':
        if (isObject(e.suite) && num(e.suite.id) !== null) suites.set(num(e.suite.id)!, str(e.suite.path) ?? '');
        break;
      case 'testStart': {
        const t = isObject(e.test) ? e.test : null;
        const id = t ? num(t.id) : null;
        if (t === null || id === null) throw new CiError('E_REPORT_MALFORMED', 'a testStart event has no test.id', { where: `${name}:${l.no}` });
        const sid = num(t.suiteID);
        const suite = sid === null ? null : (suites.get(sid) ?? null);
        const url = str(t.root_url) ?? str(t.url);
        running.set(id, {
          name: str(t.name) ?? '',
          suite,
          scope: sid ?? 0,
          start: time,
          message: '',
          file: suite ?? (url ? url.replace(/^file:\/\//, '') : null),
          line: num(t.root_line) ?? num(t.line),
        });
        break;
      }
      case 'error': {
        const t = running.get(num(e.testID) ?? -1);
        if (t && t.message.length < MESSAGE_CAP) t.message += [str(e.error), str(e.stackTrace)].filter(Boolean).join('\n') + '\n';
        break;
      }
      case 'testDone': {
        const id = num(e.testID) ?? -1;
        const t = running.get(id);
        if (!t) break;
        running.delete(id);
        let status = RESULT[String(e.result)] ?? 'errored';
        if (status === 'passed' && e.skipped === true) status = 'skipped';
        if (e.hidden === true && status === 'passed') break;
        target.add({
          id: t.suite ? `${t.suite}::${t.name}` : t.name,
          suite: t.suite,
          classname: t.suite,
          name: t.name,
          status,
          duration_ms: time !== null && t.start !== null ? time - t.start : null,
          message: capMessage(t.message),
          file: t.file,
          line: t.line,
          scope: t.scope,
        });
        break;
      }
    }
  }
  // A test started and never done: the run was cut short while it ran.
  for (const t of running.values())
    target.add({
      id: t.suite ? `${t.suite}::${t.name}` : t.name,
      suite: t.suite,
      classname: t.suite,
      name: t.name,
      status: 'errored',
      duration_ms: null,
      message: 'the run ended before this test finished',
      scope: t.scope,
    });
  target.setRunner('dart');
  target.setDuration(started !== null && ended !== null ? ended - started : null);
};
