/**
 * Starting the panel: open the database (migrating it), create the first admin if there is none,
 * and serve HTTP. Used by `npm start` and `smm-panel serve`.
 */
import type { FastifyInstance } from 'fastify';
import { bootstrapAdmin } from './accounts/bootstrap.js';
import type { Config } from './config.js';
import { type Db, openDatabase } from './db/connect.js';
import { buildServer } from './http/server.js';

export interface RunningPanel {
  app: FastifyInstance;
  db: Db;
  url: string;
  stop(): Promise<void>;
}

export async function startPanel(
  config: Config,
  print: (line: string) => void = console.log,
): Promise<RunningPanel> {
  const db = await openDatabase(config.DATABASE_URL);
  const admin = await bootstrapAdmin({ db: db.db });
  const app = await buildServer({
    db: db.db,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    logLevel: config.LOG_LEVEL,
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  print(`smm-panel is running on ${db.dialect} at ${url}`);
  print(`  API v2 endpoint: ${url}/api/v2   (docs/api-v2.md)`);
  if (admin) {
    print('  First start: created the operator account (shown only now, keep it safe):');
    print(`    username: ${admin.username}`);
    print(`    password: ${admin.password}`);
    print(`    API key:  ${admin.apiKey}`);
    print(`  Try: curl -s ${url}/api/v2 -d key=${admin.apiKey} -d action=balance`);
    print('  Add services and customers with the CLI: npx smm-panel --help');
  }
  return {
    app,
    db,
    url,
    async stop() {
      await app.close();
      await db.close();
    },
  };
}
