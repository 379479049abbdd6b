// The reference tokenizer for JUnit reports: saxes (a complete, validating SAX parser) driving the
// same JunitReader as the production tokenizer (xml-scan.ts). It was the production parser until
// D-tests-6; it stays as the oracle junit-equivalence.test.ts checks the faster tokenizer against
// (same cases, same summary, on every fixture, corpus report and generated document).
import { SaxesParser } from 'saxes';
import { streamSaxes } from '../coverage/xml.js';
import { JunitReader } from './junit.js';
import type { ReportParser } from './types.js';
import { Attrs } from './xml-scan.js';

export const parseJunitSax: ReportParser = async (input, target, name) => {
  const parser = new SaxesParser({ xmlns: false, position: true, fileName: name });
  const reader = new JunitReader(target, () => `${name}:${parser.line}`);
  let error: unknown = null;
  const guard = (f: () => void) => {
    if (error) return;
    try {
      f();
    } catch (e) {
      error = e;
    }
  };
  // saxes builds text only when a text handler is set: set it only while an outcome's body is read.
  const onText = (t: string) => reader.text(t);
  const sync = () => {
    if (reader.capturing) parser.on('text', onText);
    else parser.off('text');
  };
  parser.on('doctype', (dt) => guard(() => reader.doctype(dt)));
  parser.on('comment', (c) => guard(() => reader.comment(c)));
  parser.on('opentag', (tag) =>
    guard(() => {
      reader.open(tag.name, Attrs.from(tag.attributes as Record<string, string>));
      sync();
    }),
  );
  parser.on('cdata', onText);
  parser.on('closetag', (tag) =>
    guard(() => {
      reader.close(tag.name);
      sync();
    }),
  );
  await streamSaxes(
    parser,
    input,
    name,
    'the report is truncated or corrupt; regenerate it with the test runner',
    () => error,
    (e) => (error ??= e),
  );
  reader.finish(name);
};
