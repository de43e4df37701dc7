/**
 * The build's fingerprint, so `npm start` (and test, bench, demo) rebuild only when a build input
 * changed since the last complete build (the install's `prepare` already built everything).
 *
 *   node tools/build-stamp.mjs clear    before a build: forget the stamp (a build cut short leaves none)
 *   node tools/build-stamp.mjs write    after a build: record the fingerprint in dist/.build-stamp
 *   node tools/build-stamp.mjs ensure   build (`npm run build`) unless dist/.build-stamp matches
 *
 * The fingerprint is a SHA-256 over the path and content of every build input: src, web (not the
 * generated *.gen.ts files), bench, tools, package.json, package-lock.json, the tsconfig files. Content,
 * not modification times, so a checkout, a copy or a touched file never fools it. A failed build writes
 * no stamp (cleared as the build's first step, written as its last), so the next start builds again.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = 'dist/.build-stamp';
const DIRS = ['src', 'web', 'bench', 'tools'];
const FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const SKIP = new Set(['node_modules', 'dist']);

function inputs() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !e.name.endsWith('.gen.ts')) out.push(p);
    }
  };
  for (const d of DIRS) if (existsSync(d)) walk(d);
  for (const f of FILES) if (existsSync(f)) out.push(f);
  return out.sort();
}

function fingerprint() {
  const h = createHash('sha256');
  for (const f of inputs()) {
    h.update(f);
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex');
}

const mode = process.argv[2];
if (mode === 'clear') {
  rmSync(STAMP, { force: true });
} else if (mode === 'write') {
  writeFileSync(STAMP, `${fingerprint()}\n`);
} else if (mode === 'ensure') {
  const current = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : '';
  if (current !== fingerprint()) {
    console.log('smm-panel: building (the sources changed since the last build)');
    const r = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
} else {
  console.error('usage: node tools/build-stamp.mjs clear|write|ensure');
  process.exit(2);
}
