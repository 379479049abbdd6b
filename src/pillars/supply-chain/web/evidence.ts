// The run page's "Release evidence" card: the bundle the hub stored for the run (GET
// /api/v1/runs/:id → analyses["supply-chain"].evidence) — whether the release verified, each check
// with its reason, what the bundle references and every file it pins with their SHA-256, the
// transparency-log entry, whether the record's release_evidence_uri names this copy, and the bundle
// itself as JSON (fetched with the page's credentials, so a token works as well as a session).
import { apiText, h, kpi, local, NO_DATA, table } from '../../../core/web/index.js';

const verdict = (pass: boolean | null | undefined) =>
  pass === null || pass === undefined
    ? h('span', { class: 'band none', 'data-band': '' }, 'not verified')
    : h('span', { class: `band ${pass ? 'success' : 'failed'}`, 'data-band': pass ? 'pass' : 'fail' }, pass ? 'pass' : 'fail');

const short = (hex: string | null | undefined) => (hex ? `${hex.slice(0, 16)}…` : NO_DATA);

/** Saves the stored bundle as a file: a plain link would carry a session cookie but not a token. */
async function download(uri: string, name: string): Promise<void> {
  const text = await apiText(uri);
  const a = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'application/json' })), download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.getAttribute('href')!), 60_000);
}

export function evidenceSection(runId: string, analysis: any): HTMLElement | null {
  const e = analysis?.evidence;
  if (!e) return null;
  const v = e.verification;
  const refs = [
    ...(['sbom', 'provenance', 'signature'] as const).filter((k) => e[k]).map((k) => ({ what: k, uri: e[k].uri, sha256: e[k].sha256 })),
    ...(e.vex ?? []).map((x: any) => ({ what: 'vex', uri: x.uri, sha256: x.sha256 })),
  ];
  const linked = e.points_here ? (e.pin === 'differs' ? 'yes, but its sha256 differs' : e.pin === 'matches' ? 'yes, sha256 pinned' : 'yes') : 'no';
  return h(
    'section',
    { class: 'card', 'data-testid': 'evidence' },
    h('h2', {}, 'Release evidence'),
    h(
      'div',
      { class: 'kpis' },
      kpi('evidence-verified', 'Verification', v ? (v.pass ? 'pass' : 'fail') : 'not verified', v ? v.pass : null, verdict(v?.pass)),
      kpi('evidence-sha256', 'Bundle SHA-256', short(e.sha256), e.sha256),
      kpi('evidence-image', 'Image digest', e.image_digest ? `${String(e.image_digest).slice(0, 23)}…` : NO_DATA, e.image_digest),
      kpi('evidence-linked', "Named by the record's release_evidence_uri", linked, e.points_here),
      kpi('evidence-uploaded', 'Uploaded', local(e.uploaded_at), e.uploaded_at),
    ),
    v
      ? table(
          'evidence-checks',
          [
            { key: 'check', label: 'check' },
            { key: 'pass', label: 'result', fmt: (c) => verdict(c.pass) },
            { key: 'reason', label: 'reason' },
          ],
          v.checks,
        )
      : h('div', { class: 'empty', 'data-testid': 'table-evidence-checks' }, 'The bundle carries no signature verification (built without --bundle).'),
    table(
      'evidence-refs',
      [
        { key: 'what', label: 'references' },
        { key: 'uri', label: 'URI' },
        { key: 'sha256', label: 'SHA-256', fmt: (r) => short(r.sha256) },
      ],
      refs,
      { empty: 'The bundle references no SBOM, provenance, signature or VEX.' },
    ),
    table(
      'evidence-files',
      [
        { key: 'role', label: 'pinned file' },
        { key: 'path', label: 'path' },
        { key: 'sha256', label: 'SHA-256', fmt: (f) => short(f.sha256) },
      ],
      e.files,
      { empty: 'The bundle pins no file.' },
    ),
    e.rekor
      ? h(
          'p',
          { 'data-testid': 'evidence-rekor' },
          `Transparency log entry ${e.rekor.log_index} (${short(e.rekor.uuid)}), integrated ${local(e.rekor.integrated_time)}`,
        )
      : null,
    h(
      'p',
      {},
      h(
        'a',
        {
          href: e.uri,
          'data-testid': 'link-evidence-json',
          onclick: (ev: Event) => {
            ev.preventDefault();
            void download(e.uri, `evidence-${runId}.json`);
          },
        },
        'Download the bundle (JSON)',
      ),
      ' · re-check it offline with ci-intel evidence verify',
    ),
  );
}
