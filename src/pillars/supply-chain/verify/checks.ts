// One verdict per thing checked, in the order a release is trusted: who signed (certificate chain
// and identity), what they signed (signature), that it was logged (transparency log), what it
// claims (provenance).
export type CheckName = 'certificate-chain' | 'certificate-identity' | 'signature' | 'transparency-log' | 'provenance';

export interface Check {
  check: CheckName;
  pass: boolean;
  /** What was found, in one line: why it passed or what failed. */
  reason: string;
}

export const pass = (check: CheckName, reason: string): Check => ({ check, pass: true, reason });
export const fail = (check: CheckName, reason: string): Check => ({ check, pass: false, reason });
