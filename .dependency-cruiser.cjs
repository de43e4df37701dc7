/**
 * The architecture rules, checked by `npm run lint` (and so by CI): faces -> use cases -> repositories
 * -> db, no cycles, domain code never imports a face. docs/architecture.md explains the layers.
 * Paths are relative to the project's root; `tools/check-architecture.mjs` runs this together with the
 * check that SQL is written only in repositories and db/.
 */
const DOMAIN =
  '^src/(accounts|alerts|audit|payments|cancels|catalog|health|ledger|mail|metrics|orders|providers|refills|reports|settings|tickets|backup)/';
const FACES = '^src/(http|cli)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Import cycles make the layers meaningless; move the shared piece down a layer.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-never-imports-a-face',
      severity: 'error',
      comment: 'Domain folders, the engine and db/ serve every face; they must not know any of them.',
      from: { path: `${DOMAIN}|^src/(worker|db)/|^src/(money|result|ids|config)\\.ts$` },
      to: { path: `${FACES}|^src/app\\.ts$|^src/main\\.ts$` },
    },
    {
      name: 'faces-call-use-cases-not-repositories',
      severity: 'error',
      comment: 'A face (API v2, CLI, web, admin) calls use cases; repositories are behind them.',
      from: { path: FACES },
      to: { path: '\\.repo\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'faces-hold-no-sql',
      severity: 'error',
      comment: 'Faces never build queries: no Kysely, no database modules but opening one.',
      from: { path: FACES },
      to: { path: '(^|/)node_modules/kysely/|^src/db/(?!connect\\.ts$|executor\\.ts$)' },
    },
    {
      name: 'db-is-the-bottom',
      severity: 'error',
      comment: 'db/ (connection, schema, migrations) depends on nothing of the product.',
      from: { path: '^src/db/' },
      to: { path: `${DOMAIN}|${FACES}|^src/worker/` },
    },
    {
      name: 'repositories-stay-below-use-cases',
      severity: 'error',
      comment: 'A repository takes an executor and runs SQL; it never calls the engine or a face.',
      from: { path: '\\.repo\\.ts$' },
      to: { path: `${FACES}|^src/worker/` },
    },
    {
      name: 'dev-tools-stay-out-of-production',
      severity: 'error',
      comment: 'The simulator and demo (src/dev/) are for development and tests; only the CLI starts them.',
      from: { path: '^src/', pathNot: '^src/(dev|cli)/' },
      to: { path: '^src/dev/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(src/|node_modules/kysely/)',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
