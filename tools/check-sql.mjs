#!/usr/bin/env node
/**
 * SQL is written only in repositories (`*.repo.ts`) and in src/db/ (connection, schema, migrations).
 * This scans the other source files for query building (Kysely's builders and the `sql` tag) and fails
 * with one line per place found. Run by `npm run lint`; `node tools/check-sql.mjs DIR` checks another
 * tree (the architecture test shows it failing on a deliberate violation).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = process.argv[2] ?? process.cwd();
const srcDir = join(root, 'src');
const QUERY = [
  /\.(selectFrom|updateTable|insertInto|deleteFrom|replaceInto|mergeInto)\(/,
  /\bsql(<[^>]*>)?`/,
  /\bsql\.(raw|ref|id|table|lit|val|join)\(/,
];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

const allowed = (rel) => rel.endsWith('.repo.ts') || rel.startsWith(`src${sep}db${sep}`);
const problems = [];
for (const path of files(srcDir)) {
  const rel = relative(root, path);
  if (allowed(rel)) continue;
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '');
    if (QUERY.some((re) => re.test(code))) problems.push(`${rel}:${i + 1}: ${line.trim()}`);
  });
}
if (problems.length > 0) {
  console.error('SQL outside repositories and src/db/ (move it into a *.repo.ts):');
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('check-sql: SQL only in repositories and src/db/');
