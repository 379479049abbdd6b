import { CiError } from '../../../core/errors.js';

export function advisoriesError(
  message: string,
  where: string,
  hint = 'pass the JSON report Grype (-o json), OSV-scanner (--format json) or npm audit --json wrote',
): CiError {
  return new CiError('E_ADVISORIES_INVALID', message, { where, hint });
}
