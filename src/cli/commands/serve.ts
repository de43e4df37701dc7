/** Long-running commands: the panel (`serve`), the engine alone (`worker`), the simulated provider. */
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { intArg } from '../args.js';
import { type CliContext, CliFailure } from '../context.js';

/**
 * Resolves at the first SIGINT/SIGTERM. Called before anything starts, so that a signal arriving
 * while the process is starting up still means a clean stop rather than the default abrupt exit.
 */
const untilSignal = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

export function register(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  program
    .command('serve')
    .description('start the panel (HTTP API, and the fulfilment worker unless --no-worker)')
    .option('--port <port>', 'port (default PORT or 8080)')
    .option('--host <host>', 'address to listen on (default HOST or 127.0.0.1)')
    .option('--no-worker', 'serve the API only; run `smm-panel worker` processes separately')
    .action(async (o) => {
      const signalled = untilSignal();
      const { startPanel } = await import('../../app.js');
      const config = loadConfig({
        ...io.env,
        ...(o.port ? { PORT: o.port } : {}),
        ...(o.host ? { HOST: o.host } : {}),
      });
      const panel = await startPanel(config, io.out, { worker: o.worker !== false });
      await signalled;
      await panel.stop();
    });

  program
    .command('worker')
    .description('run the fulfilment engine alone (any number of workers may share one database)')
    .action(async () => {
      const signalled = untilSignal();
      const { startWorkerProcess } = await import('../../app.js');
      const worker = await startWorkerProcess(loadConfig(io.env), io.out);
      await signalled;
      await worker.stop();
    });

  program
    .command('simulate')
    .description('serve a simulated upstream provider (API v2) for demos and tests')
    .option('--port <port>', 'port', '9090')
    .option('--host <host>', 'address', '127.0.0.1')
    .option('--seed <n>', 'seed: the same seed gives the same order outcomes', '1')
    .option('--key <key>', 'the API key it accepts', 'sim-key')
    .option('--speed <x>', 'time multiplier (2 = twice as fast)', '1')
    .action(async (o) => {
      const signalled = untilSignal();
      const { startSimulator } = await import('../../dev/simulator.js');
      const speed = Number(o.speed);
      if (!(speed > 0 && speed <= 1000)) throw new CliFailure('speed must be a number between 0 and 1000');
      const sim = await startSimulator({
        port: Number(intArg(o.port, 'port')),
        host: o.host,
        seed: Number(intArg(o.seed, 'seed')),
        key: o.key,
        speed,
      });
      ctx.emit({ url: sim.url, key: o.key }, [`simulated provider at ${sim.url} (key: ${o.key})`]);
      await signalled;
      await sim.close();
    });
}
