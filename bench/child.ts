/**
 * Starting and stopping the server child (dist/bench/server.js) with an IPC channel: the child reports
 * its port over it, and exits by itself if the channel closes (the bench died), so nothing outlives a run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVER_JS = fileURLToPath(new URL('./server.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ServerChild {
  pid: number;
  port: number;
  stop(): Promise<void>;
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
 * Start a server child. `cpu`, when given, pins it to those cores with taskset (which execs node, so
 * the pid is node's own).
 */
export async function startServer(env: Record<string, string>, cpu?: string): Promise<ServerChild> {
  // e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const [cmd, args] =
    cpu !== undefined
      ? ['taskset', ['-c', cpu, process.execPath, ...nodeArgs, SERVER_JS]]
      : [process.execPath, [...nodeArgs, SERVER_JS]];
  const child = spawn(cmd, args as string[], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env, NODE_ENV: 'production' },
  });
  running.add(child);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('server child did not start within 60 s')),
        START_TIMEOUT_MS,
      );
      child.once('message', (m: unknown) => {
        clearTimeout(timer);
        const p = (m as { port?: unknown } | null)?.port;
        if (typeof p === 'number' && p > 0) resolve(p);
        else reject(new Error(`server child sent ${JSON.stringify(m)}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server child exited before listening (code ${code}, signal ${signal})`));
      });
    });
    if (child.pid === undefined) throw new Error('server child has no pid');
    return { pid: child.pid, port, stop: () => stopChild(child) };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}
