// Reads any supported SBOM file: the format is detected from the content, never the file name.
import { readInputText } from '../io.js';
import type { Sbom } from '../model.js';
import { isCycloneDxJson, readCycloneDxJson } from './cyclonedx-json.js';
import { isCycloneDxXml, readCycloneDxXml } from './cyclonedx-xml.js';
import { sbomError } from './common.js';
import { isSpdxJson, readSpdxJson } from './spdx-json.js';
import { isSpdxTagValue, readSpdxTagValue } from './spdx-tv.js';

export function parseSbom(text: string, file: string): Sbom {
  const t = text.replace(/^\uFEFF/, '');
  const head = t.trimStart();
  if (head.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(t);
    } catch (e) {
      throw sbomError(`not valid JSON: ${(e as Error).message}`, file, 'pass the SBOM file as the generator wrote it');
    }
    if (isCycloneDxJson(doc)) return readCycloneDxJson(doc, file);
    if (isSpdxJson(doc)) return readSpdxJson(doc, file);
    throw sbomError('JSON with neither bomFormat: "CycloneDX" nor spdxVersion', `${file}#`);
  }
  if (head.startsWith('<')) {
    if (isCycloneDxXml(head)) return readCycloneDxXml(t, file);
    throw sbomError('XML that is not a CycloneDX <bom> (SPDX XML is not read; convert it to JSON)', `${file}:1`);
  }
  if (isSpdxTagValue(head)) return readSpdxTagValue(t, file);
  throw sbomError('not a CycloneDX or SPDX document', `${file}:1`);
}

export function readSbom(file: string): Sbom {
  return parseSbom(readInputText(file), file);
}
