/**
 * Where the CPU went during a measurement, from /proc (Linux only; elsewhere every figure is null):
 * the process(es) under test (the server child, or the worker children), a peer child (the simulated
 * provider, in the engine scenarios), the bench process itself (the load generator), the Postgres
 * backends serving the bench's own database, and the rest of the machine (other processes: noise).
 * Figures are in percent of one core, so on 2 cores the machine total can reach 200.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 is the Linux default.
}

/** utime + stime of a process, in jiffies; null if it is gone or /proc is not there. */
function processJiffies(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** utime + stime of several processes, in jiffies; null if one of them is gone. */
function sumJiffies(pids: number[]): number | null {
  let sum = 0;
  for (const pid of pids) {
    const j = processJiffies(pid);
    if (j === null) return null;
    sum += j;
  }
  return sum;
}

/** Busy jiffies of the whole machine (all cores), or null. */
function machineBusyJiffies(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = v;
    return user + nice + system + irq + softirq + steal;
  } catch {
    return null;
  }
}

/** Postgres backends serving database `dbName` (their title reads "postgres: user db host ..."). */
function pgBackends(dbName: string): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const p of pids) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (!cmd.startsWith('postgres:') || !cmd.split(' ').includes(dbName)) continue;
      const j = processJiffies(Number(p));
      if (j !== null) out.set(Number(p), j);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

interface Snapshot {
  at: number;
  machine: number | null;
  server: number | null;
  peer: number | null;
  self: NodeJS.CpuUsage;
  pg: Map<number, number> | null;
}

export interface CpuShare {
  server: number | null;
  /** The peer processes (the simulated provider); null when there are none. */
  peer: number | null;
  loadgen: number;
  postgres: number | null;
  other: number | null;
}

export class CpuMeter {
  #start: Snapshot | null = null;

  readonly #serverPids: number[];

  constructor(
    serverPids: number | number[],
    private readonly pgDbName: string | null,
    private readonly peerPids: number[] = [],
  ) {
    this.#serverPids = Array.isArray(serverPids) ? serverPids : [serverPids];
  }

  #snap(): Snapshot {
    return {
      at: performance.now(),
      machine: machineBusyJiffies(),
      server: sumJiffies(this.#serverPids),
      peer: this.peerPids.length ? sumJiffies(this.peerPids) : null,
      self: process.cpuUsage(),
      pg: this.pgDbName ? pgBackends(this.pgDbName) : null,
    };
  }

  start(): void {
    this.#start = this.#snap();
  }

  stop(): CpuShare {
    const a = this.#start;
    if (!a) throw new Error('CpuMeter.stop before start');
    const b = this.#snap();
    const seconds = (b.at - a.at) / 1000;
    const pct = (jiffies: number) => (100 * jiffies) / clkTck / seconds;
    const server = a.server !== null && b.server !== null ? pct(b.server - a.server) : null;
    const peer = a.peer !== null && b.peer !== null ? pct(b.peer - a.peer) : null;
    const self = process.cpuUsage(a.self);
    const loadgen = (100 * (self.user + self.system)) / 1e6 / seconds;
    let postgres: number | null = null;
    if (a.pg && b.pg) {
      let j = 0;
      for (const [pid, end] of b.pg) j += end - (a.pg.get(pid) ?? 0);
      postgres = pct(j);
    }
    const machine = a.machine !== null && b.machine !== null ? pct(b.machine - a.machine) : null;
    const other =
      machine !== null && server !== null
        ? Math.max(0, machine - server - (peer ?? 0) - loadgen - (postgres ?? 0))
        : null;
    return { server, peer, loadgen, postgres, other };
  }
}
