// A small element tree from saxes (the project's streaming XML parser): SBOMs and VEX documents
// are small next to test reports, and a tree keeps the readers plain. A DOCTYPE is refused before
// anything is expanded (XXE, billion laughs); saxes itself never expands entities it was not given.
import { SaxesParser } from 'saxes';
import { CiError } from '../../core/errors.js';

export interface XmlEl {
  name: string;
  attrs: Record<string, string>;
  children: XmlEl[];
  text: string;
  line: number;
}

export function parseXmlTree(text: string, file: string): XmlEl {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const root: XmlEl = { name: '#document', attrs: {}, children: [], text: '', line: 1 };
  const stack: XmlEl[] = [root];
  parser.on('doctype', () => {
    throw new CiError('E_REPORT_UNSAFE', 'the XML declares a DOCTYPE (entities or an external DTD); it is refused, never expanded', {
      where: `${file}:${parser.line}`,
      hint: 'remove the <!DOCTYPE> declaration',
    });
  });
  parser.on('opentag', (node) => {
    // Local names: CycloneDX XML is namespaced (xmlns="http://cyclonedx.org/schema/bom/1.5"), sometimes with a prefix.
    const el: XmlEl = { name: node.name.replace(/^.*:/, ''), attrs: node.attributes as Record<string, string>, children: [], text: '', line: parser.line };
    stack[stack.length - 1]!.children.push(el);
    stack.push(el);
  });
  parser.on('text', (t) => {
    stack[stack.length - 1]!.text += t;
  });
  parser.on('cdata', (t) => {
    stack[stack.length - 1]!.text += t;
  });
  parser.on('closetag', () => {
    const el = stack.pop()!;
    el.text = el.text.trim();
  });
  try {
    parser.write(text).close();
  } catch (e) {
    if (e instanceof CiError) throw e;
    throw new CiError('E_SBOM_INVALID', `not well-formed XML: ${(e as Error).message.replace(/^[^:]*:\d+:\d+: /, '')}`, {
      where: `${file}:${parser.line}`,
      hint: 'pass a well-formed XML document',
    });
  }
  return root;
}

export const child = (el: XmlEl | undefined, name: string): XmlEl | undefined => el?.children.find((c) => c.name === name);
export const children = (el: XmlEl | undefined, name: string): XmlEl[] => el?.children.filter((c) => c.name === name) ?? [];
export const childText = (el: XmlEl | undefined, name: string): string | undefined => child(el, name)?.text || undefined;
