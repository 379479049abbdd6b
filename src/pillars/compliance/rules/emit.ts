// Building findings: the rule's default severity from the catalogue, the position from the node.
import type { Node } from 'yaml';
import { RULE_BY_ID, type Finding, type Severity } from '../model.js';
import { colAt, lineAt, lineOf, type YamlFile } from '../yaml-doc.js';

export class Emitter {
  readonly findings: Finding[] = [];
  constructor(readonly f: YamlFile) {}

  at(rule: string, offset: number, message: string, fix: string, severity?: Severity): void {
    this.findings.push({
      rule,
      severity: severity ?? RULE_BY_ID.get(rule)?.severity ?? 'warning',
      file: this.f.file,
      line: lineAt(this.f, offset),
      column: colAt(this.f, offset),
      message,
      fix,
    });
  }

  node(rule: string, n: Node | null | undefined, message: string, fix: string, severity?: Severity): void {
    if (n?.range) this.at(rule, n.range[0], message, fix, severity);
    else
      this.findings.push({ rule, severity: severity ?? RULE_BY_ID.get(rule)?.severity ?? 'warning', file: this.f.file, line: lineOf(this.f, n), message, fix });
  }
}

const DIGEST = /@sha256:[0-9a-f]{64}$/i;

/** A container image reference pinned by digest (`name@sha256:…` or `name:tag@sha256:…`). */
export const imagePinned = (ref: string) => DIGEST.test(ref.trim());

/** An image reference built from variables or expressions: what it resolves to is not in the file. */
export const imageDynamic = (ref: string) => /\$\{\{|\$[A-Za-z_{]/.test(ref);
