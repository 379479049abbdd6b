// The SBOM readers on real generator output (fixtures/sbom/generate.sh): every format and version
// of the same project reads into the same components and dependency edges.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CiError } from '../../../core/errors.js';
import { parseSbom, readSbom } from './index.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sbom');
const fx = (f: string) => path.join(dir, f);
const summary = (f: string) => {
  const s = readSbom(fx(f));
  return s.components.map((c) => `${c.name}@${c.version} ${c.purl ?? ''} ${c.licenses.join('|')}`);
};

describe('SBOM readers', () => {
  const HEAD = ['debug@4.4.0 pkg:npm/debug@4.4.0 MIT', 'lodash@4.17.20 pkg:npm/lodash@4.17.20 MIT', 'ms@2.1.3 pkg:npm/ms@2.1.3 MIT'];
  it.each(['head.cdx-1.4.json', 'head.cdx-1.6.json', 'head.cdx-1.5.xml', 'head.npm-cdx.json', 'head.spdx.json', 'head.spdx.tv'])(
    '%s reads into the same three components',
    (f) => {
      expect(summary(f)).toEqual(HEAD);
    },
  );

  it('reads format, version and subject', () => {
    expect(readSbom(fx('head.cdx-1.5.xml'))).toMatchObject({
      format: 'cyclonedx',
      specVersion: '1.5',
      encoding: 'xml',
      subject: { name: 'shop-api', version: '1.0.0', purl: 'pkg:npm/shop-api@1.0.0' },
    });
    expect(readSbom(fx('head.cdx-1.4.json'))).toMatchObject({ specVersion: '1.4', encoding: 'json' });
    expect(readSbom(fx('head.spdx.json'))).toMatchObject({ format: 'spdx', specVersion: '2.3', subject: { name: 'shop-api', purl: 'pkg:npm/shop-api@1.0.0' } });
    expect(readSbom(fx('head.spdx.tv'))).toMatchObject({ format: 'spdx', encoding: 'tag-value', subject: { name: 'shop-api' } });
  });

  it('reads the dependency edges: shop-api → debug, lodash; debug → ms', () => {
    const cdx = readSbom(fx('head.cdx-1.6.json')).dependencies;
    expect(cdx['shop-api@1.0.0']).toEqual(['shop-api@1.0.0|debug@4.4.0', 'shop-api@1.0.0|lodash@4.17.20']);
    expect(cdx['shop-api@1.0.0|debug@4.4.0']).toEqual(['shop-api@1.0.0|ms@2.1.3']);
    expect(readSbom(fx('head.cdx-1.5.xml')).dependencies).toEqual(cdx);
    for (const f of ['head.spdx.json', 'head.spdx.tv']) {
      const spdx = readSbom(fx(f)).dependencies;
      expect(spdx).toEqual({
        'SPDXRef-Package-debug-4.4.0': ['SPDXRef-Package-ms-2.1.3'],
        'SPDXRef-Package-shop-api-1.0.0': ['SPDXRef-Package-debug-4.4.0', 'SPDXRef-Package-lodash-4.17.20'],
      });
    }
  });

  it('reads hashes under normalised algorithm names', () => {
    const lodash = (f: string) => readSbom(fx(f)).components.find((c) => c.name === 'lodash')!.hashes;
    const sha512 = '3e585d15c8a594e20d7de57b362ea81754c011acb2641a19f1b72c8531ea39825896bab344ae616a0a5a824cb9a381df0b3cddd534645cf305aba70a93dac698';
    expect(lodash('head.npm-cdx.json')).toEqual({ sha512 });
    expect(lodash('head.spdx.json')).toEqual({ sha512 });
    expect(lodash('head.spdx.tv')).toEqual({ sha512 });
  });

  it('names the place of bad input', () => {
    const err = (text: string, file = 'x.json') => {
      try {
        parseSbom(text, file);
      } catch (e) {
        return (e as CiError).oneLine();
      }
      throw new Error('no error');
    };
    expect(err('{"bomFormat":"CycloneDX","specVersion":"1.2"}')).toMatch(
      /^E_SBOM_INVALID: x\.json#\/specVersion: CycloneDX specVersion "1\.2" is not read here/,
    );
    expect(err('{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"version":"1"}]}')).toMatch(
      /x\.json#\/components\/0\/name: a component has no name/,
    );
    expect(err('{"spdxVersion":"SPDX-2.3","packages":[{"name":"a"}]}')).toMatch(/x\.json#\/packages\/0\/SPDXID/);
    expect(err('{"bomFormat":"CycloneDX",')).toMatch(/E_SBOM_INVALID: x\.json: not valid JSON/);
    expect(err('SPDXVersion: SPDX-2.3\nPackageName: a\nthis is not a tag\n', 'x.spdx')).toMatch(/x\.spdx:3: line is not "Tag: value"/);
    expect(err('<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component></components></bom>', 'x.xml')).toMatch(
      /^E_SBOM_INVALID: x\.xml:1: not well-formed XML/,
    );
  });

  it('refuses an XML SBOM with a DOCTYPE rather than expand its entities', () => {
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components><component type="library"><name>&b;</name></component></components></bom>`;
    expect(() => parseSbom(bomb, 'bomb.xml')).toThrow(expect.objectContaining({ code: 'E_REPORT_UNSAFE', where: 'bomb.xml:2' }));
  });

  it('never throws anything but a CiError on arbitrary text (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json().map((j) => `{"bomFormat":"CycloneDX","specVersion":"1.6","components":${j}}`),
          fc.string().map((s) => `SPDXVersion: SPDX-2.3\n${s}`),
        ),
        (text) => {
          try {
            parseSbom(text, 'p');
          } catch (e) {
            expect(e).toBeInstanceOf(CiError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
