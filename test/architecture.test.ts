/**
 * The architecture rules enforce themselves: `npm run lint` runs dependency-cruiser with
 * .dependency-cruiser.cjs and tools/check-sql.mjs. Here both pass on the real source and fail on a small
 * tree that breaks each rule on purpose (a face calling a repository, a domain module importing a face,
 * an import cycle, SQL in a use case, production code importing the simulator).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const checkSql = join(root, 'tools', 'check-sql.mjs');

async function exec(cmd: string, args: string[], cwd: string) {
  try {
    const r = await run(process.execPath, [cmd, ...args], { cwd });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('architecture rules', () => {
  let bad: string;
  beforeAll(() => {
    bad = mkdtempSync(join(tmpdir(), 'smm-arch-'));
    const files: Record<string, string> = {
      'src/orders/orders.repo.ts': 'export const findOrder = (id: number) => id;\n',
      // A face reaching past the use cases to a repository.
      'src/http/web/orders.routes.ts':
        "import { findOrder } from '../../orders/orders.repo.js';\nexport const route = () => findOrder(1);\n",
      // A domain module importing a face, and SQL written outside a repository.
      'src/orders/show-order.ts':
        "import { route } from '../http/web/orders.routes.js';\nexport const show = (db: any) => db.selectFrom('orders') && route();\n",
      // An import cycle between two domain modules.
      'src/catalog/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/catalog/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      // Production code importing the simulator.
      'src/dev/simulator.ts': 'export const sim = 1;\n',
      'src/providers/import-services.ts':
        "import { sim } from '../dev/simulator.js';\nexport const i = sim;\n",
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: false },
        include: ['src'],
      }),
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(bad, path)), { recursive: true });
      writeFileSync(join(bad, path), text);
    }
    cpSync(join(root, '.dependency-cruiser.cjs'), join(bad, '.dependency-cruiser.cjs'));
  });
  afterAll(() => rmSync(bad, { recursive: true, force: true }));

  it('the panel itself follows every rule', async () => {
    const deps = await exec(depcruise, ['src', '--config', '.dependency-cruiser.cjs'], root);
    expect(deps.out).toContain('no dependency violations found');
    expect(deps.code).toBe(0);
    const sql = await exec(checkSql, [], root);
    expect(sql.out).toContain('SQL only in repositories');
    expect(sql.code).toBe(0);
  });

  it('a deliberate violation of each import rule fails the check, naming the rule', async () => {
    const r = await exec(depcruise, ['src', '--config', '.dependency-cruiser.cjs'], bad);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(
      'faces-call-use-cases-not-repositories: src/http/web/orders.routes.ts → src/orders/orders.repo.ts',
    );
    expect(r.out).toContain(
      'domain-never-imports-a-face: src/orders/show-order.ts → src/http/web/orders.routes.ts',
    );
    expect(r.out).toMatch(/no-cycles: src\/catalog\/(a|b)\.ts → \s*src\/catalog\/(b|a)\.ts/);
    expect(r.out).toContain(
      'dev-tools-stay-out-of-production: src/providers/import-services.ts → src/dev/simulator.ts',
    );
  });

  it('SQL outside a repository fails the check, naming the file and line', async () => {
    const r = await exec(checkSql, [bad], root);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      "src/orders/show-order.ts:2: export const show = (db: any) => db.selectFrom('orders')",
    );
    expect(r.out).not.toContain('orders.repo.ts');
  });
});
