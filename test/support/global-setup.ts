import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { BUILD_DIR } from './server-process.js';

/**
 * Vitest's global setup for the tests that run the compiled server or CLI in processes of their
 * own: it compiles the server once per run, before any of them starts, into BUILD_DIR.
 *
 * tsc compiles as `npm run build` (nest build) does, from tsconfig.build.json, with two options
 * that change no JavaScript it writes: --noCheck (type errors are the type check's and nest
 * build's to report: `npm run build` stops on them, and `npm run test:system` runs it) and no
 * declaration files (nothing runs them). Together they save about 40% of its time.
 *
 * The build is stamped with a digest of everything tsc reads: the sources, the compiler's
 * configuration and the lockfile (the dependencies' types decide the decorators' metadata). A run
 * whose digest matches the stamp uses the build as it is; CI's second and third `npm test` compile
 * nothing, and a fresh clone (or `npm ci`, which empties node_modules) always compiles.
 */
export default async function setup(): Promise<void> {
  const digest = inputsDigest();
  if (readStamp() === digest) return;
  await buildServer();
  // Stamped only if nothing changed while tsc ran: else the next run compiles again.
  if (inputsDigest() === digest) writeAtomically(STAMP, digest);
}

const TSC_ARGS = [
  '-p',
  'tsconfig.build.json',
  '--incremental',
  'false',
  '--noCheck',
  '--declaration',
  'false',
];
/**
 * What nest build copies from src besides compiling it (nest-cli.json's assets): plain JavaScript
 * modules (the thread-pool preload) and the portal's views, which tsc leaves behind. Part of the
 * digest, so that a build made before a kind was copied is made again.
 */
const ASSETS = [/\.cjs$/, /^portal\/views\//];
/** What tsc reads besides node_modules, whose versions the lockfile pins. */
const INPUTS = ['src', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const STAMP = join(BUILD_DIR, '.inputs-digest');

function inputsDigest(): string {
  const hash = createHash('sha256').update(TSC_ARGS.join(' ')).update(ASSETS.map(String).join(' '));
  for (const input of INPUTS) {
    const files = statSync(input).isDirectory()
      ? readdirSync(input, { recursive: true, encoding: 'utf8' })
          .map((file) => join(input, file))
          .filter((file) => statSync(file).isFile())
          .sort()
      : [input];
    for (const file of files) hash.update(`${file}\0`).update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function readStamp(): string | null {
  return existsSync(STAMP) ? readFileSync(STAMP, 'utf8') : null;
}

/**
 * Compiles into a staging directory, then moves each file into place with an atomic rename: a
 * run in the same tree may be starting servers from BUILD_DIR meanwhile, and a server never loads
 * a half-written file.
 */
async function buildServer(): Promise<void> {
  const staging = `${BUILD_DIR}.staging-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await promisify(execFile)(
      process.execPath,
      [join('node_modules', 'typescript', 'bin', 'tsc'), ...TSC_ARGS, '--outDir', staging],
      { timeout: 240_000 },
    );
    copyAssets('src', join(staging, 'src'));
    publishAtomically(staging, BUILD_DIR);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The files of src that nest build copies as they are (ASSETS). */
function copyAssets(from: string, to: string): void {
  for (const file of readdirSync(from, { recursive: true, encoding: 'utf8' })) {
    if (!ASSETS.some((asset) => asset.test(file.split(sep).join('/')))) continue;
    if (!statSync(join(from, file)).isFile()) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(from, file), join(to, file));
  }
}

function publishAtomically(from: string, to: string): void {
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const source = join(entry.parentPath, entry.name);
    const target = join(to, relative(from, source));
    mkdirSync(dirname(target), { recursive: true });
    const temporary = `${target}.tmp-${process.pid}`;
    copyFileSync(source, temporary);
    renameSync(temporary, target);
  }
}

function writeAtomically(file: string, content: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}
