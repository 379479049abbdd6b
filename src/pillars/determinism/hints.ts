// The fix for each class of difference, in the detected ecosystem's own terms (seed 000 pillar 4
// "Determinism hooks" and "Language-specific reproducibility hooks").
import type { DiffClass } from './model.js';

export const ECOSYSTEMS = ['npm', 'python', 'java', 'go', 'rust', 'c', 'debian', 'generic'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

const GENERIC: Record<DiffClass, string> = {
  timestamp:
    'export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) and build archives with fixed times (`ci-intel repro normalize`, or tar --sort=name --mtime=@$SOURCE_DATE_EPOCH)',
  'build-path': 'build in a fixed folder, or map it away in the compiler (-ffile-prefix-map=$PWD=.)',
  'file-order': 'sort entries when archiving (tar --sort=name; `ci-intel repro normalize`), never rely on directory listing order',
  locale: 'export LC_ALL=C.UTF-8 (and LANG) for the build',
  'umask/permissions': 'set umask 022 for the build and store fixed modes in archives (tar --mode=go-w --owner=0 --group=0 --numeric-owner)',
  'hostname/user': 'do not embed the host or user name: pass fixed values (tar --owner=0 --group=0 --numeric-owner, no "Built-By")',
  'build-id': 'the build id is a hash of the binary: fix the other differences and it follows; pin it only with --build-id=none if you must',
  'random/seed': 'fix the seed of hash-ordered output and sort it (PYTHONHASHSEED=0, sorted keys in JSON, sorted sets)',
  content: 'compare the listed places by hand: the content itself changed (pin dependencies and tools: lockfiles, --require-hashes)',
};

const BY_ECOSYSTEM: Partial<Record<Ecosystem, Partial<Record<DiffClass, string>>>> = {
  npm: {
    timestamp: 'use SOURCE_DATE_EPOCH instead of new Date() in build scripts; npm pack already fixes entry times',
    content: 'install with npm ci from a lockfile v3 (pinned versions and integrity hashes)',
    'random/seed': 'sort object keys before writing JSON (JSON.stringify with a sorted copy)',
  },
  python: {
    timestamp: 'export SOURCE_DATE_EPOCH (wheel and zipfile use it for entry times); compile .pyc with --invalidation-mode checked-hash',
    'random/seed': 'export PYTHONHASHSEED=0 and sort sets and dict keys before writing',
    content: 'install with pip install --require-hashes -r requirements.txt',
  },
  java: {
    timestamp:
      'set project.build.outputTimestamp (Maven) or preserveFileTimestamps=false + reproducibleFileOrder=true (Gradle); jar --date=$SOURCE_DATE_EPOCH-as-ISO',
    'file-order': 'Gradle: reproducibleFileOrder = true; Maven 3.2+ plugins sort entries once outputTimestamp is set',
    'hostname/user': 'drop Built-By from the manifest (Maven archiver: <addDefaultEntries>false</addDefaultEntries>)',
    content: 'pin the JDK (Build-Jdk, Created-By differ between JDK builds) and the plugins',
  },
  go: {
    'build-path': 'go build -trimpath',
    'build-id': 'go build -trimpath -buildvcs=false -ldflags=-buildid= (the build id follows the inputs)',
  },
  rust: {
    'build-path': 'RUSTFLAGS="--remap-path-prefix=$PWD=. --remap-path-prefix=$HOME/.cargo=/cargo"',
    content: 'cargo build --locked (the lockfile pins every crate)',
  },
  c: {
    timestamp: 'export SOURCE_DATE_EPOCH (gcc and clang use it for __DATE__ and __TIME__), or drop those macros (-Wdate-time finds them)',
    'build-path': 'compile with -ffile-prefix-map=$PWD=. (covers debug info and __FILE__)',
  },
  debian: {
    timestamp: 'dpkg-buildpackage honours SOURCE_DATE_EPOCH from debian/changelog; clamp file times with dh_strip_nondeterminism',
  },
};

export function hintFor(cls: DiffClass, eco: Ecosystem): string {
  return BY_ECOSYSTEM[eco]?.[cls] ?? GENERIC[cls];
}

/** Guesses the ecosystem of an artifact from its name and what the comparison found inside. */
export function ecosystemOfArtifact(name: string, wheres: string[]): Ecosystem {
  const all = [name, ...wheres].join('\n');
  if (/\.(whl|pyc)\b|\.py\b|\.egg/.test(all)) return 'python';
  if (/\.(jar|war|ear|aar)\b|MANIFEST\.MF|\.class\b/.test(all)) return 'java';
  if (/\.tgz\b|!package\/package\.json/.test(all)) return 'npm';
  if (/\.deb\b|!data\.tar/.test(all)) return 'debian';
  if (/\[\.(note\.gnu\.build-id|rodata|debug_\w+|text)\]/.test(all)) return 'c';
  return 'generic';
}

/** Guesses the ecosystem of a work tree from its build files. */
export function ecosystemOfTree(files: string[]): Ecosystem {
  const has = (re: RegExp) => files.some((f) => re.test(f));
  if (has(/^package\.json$/)) return 'npm';
  if (has(/^(pyproject\.toml|setup\.py|setup\.cfg)$/)) return 'python';
  if (has(/^(pom\.xml|build\.gradle(\.kts)?)$/)) return 'java';
  if (has(/^go\.mod$/)) return 'go';
  if (has(/^Cargo\.toml$/)) return 'rust';
  if (has(/^debian$/)) return 'debian';
  if (has(/^(Makefile|CMakeLists\.txt|meson\.build)$|\.(c|cc|cpp|h)$/)) return 'c';
  return 'generic';
}
