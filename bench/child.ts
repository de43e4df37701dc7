/**
 * Starting and stopping the bench's child processes with an IPC channel: the server child
 * (dist/bench/server.js: the panel, the ceiling or the simulated provider) reports its port over it, a
 * worker child (dist/bench/worker.js) that it is ready; each exits by itself if the channel closes (the
 * bench died), so nothing outlives a run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ServerChild {
  pid: number;
  port: number;
  stop(): Promise<void>;
  /** The panel's event-loop delay since the last call, in ms (bench/server.ts answerLoopDelay). */
  loopDelay(): Promise<LoopDelay>;
}

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

const running = new Set<ChildProcess>();

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    if (!(await waitExit(child, STOP_TIMEOUT_MS))) {
      child.kill('SIGKILL');
      await waitExit(child, STOP_TIMEOUT_MS);
    }
  }
  running.delete(child);
}

/** Stop every server child still running (used by the cleanup on failure or signal). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

/**
 * Start a child process running `script` (a file next to this one in dist/bench) with an IPC channel,
 * and wait for its first message, which `accept` turns into a value (or throws on). `cpu`, when given,
 * pins it to those cores with taskset (which execs node, so the pid is node's own). The child is
 * registered for stopAllChildren until it is stopped.
 */
export async function startChild<T>(
  script: string,
  env: Record<string, string>,
  accept: (message: unknown) => T,
  cpu?: string,
): Promise<{ child: ChildProcess; pid: number; first: T; stop: () => Promise<void> }> {
  const js = fileURLToPath(new URL(script, import.meta.url));
  // e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the children.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const [cmd, args] =
    cpu !== undefined
      ? ['taskset', ['-c', cpu, process.execPath, ...nodeArgs, js]]
      : [process.execPath, [...nodeArgs, js]];
  const child = spawn(cmd, args as string[], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env, NODE_ENV: 'production' },
  });
  running.add(child);
  try {
    const first = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${script} child did not start within 60 s`)),
        START_TIMEOUT_MS,
      );
      child.once('message', (m: unknown) => {
        clearTimeout(timer);
        try {
          resolve(accept(m));
        } catch (err) {
          reject(err);
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${script} child exited before it was ready (code ${code}, signal ${signal})`));
      });
    });
    if (child.pid === undefined) throw new Error(`${script} child has no pid`);
    return { child, pid: child.pid, first, stop: () => stopChild(child) };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** Start a server child (dist/bench/server.js): it reports the port it listens on. */
export async function startServer(env: Record<string, string>, cpu?: string): Promise<ServerChild> {
  const c = await startChild(
    './server.js',
    env,
    (m) => {
      const p = (m as { port?: unknown } | null)?.port;
      if (typeof p === 'number' && p > 0) return p;
      throw new Error(`server child sent ${JSON.stringify(m)}`);
    },
    cpu,
  );
  const loopDelay = async (): Promise<LoopDelay> => {
    const answer = new Promise<LoopDelay>((resolve, reject) => {
      const timer = setTimeout(() => {
        c.child.off('message', take);
        reject(new Error('server child did not report its event loop'));
      }, 5000);
      const take = (m: unknown) => {
        const loop = (m as { loop?: LoopDelay } | null)?.loop;
        if (!loop) return;
        clearTimeout(timer);
        c.child.off('message', take);
        resolve(loop);
      };
      c.child.on('message', take);
    });
    c.child.send({ loop: 'read' });
    const loop = await answer;
    c.child.send({ loop: 'reset' });
    return loop;
  };
  return { pid: c.pid, port: c.first, stop: c.stop, loopDelay };
}
