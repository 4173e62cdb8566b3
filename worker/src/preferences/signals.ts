// What the machine says about its user and its power, read where Linux offers it:
//   CPU      /proc/stat (all cores) minus this worker's own process tree (/proc/<pid>/stat of the
//            worker and every descendant: the tasks, their sandboxes, the warm interpreters)
//   load     /proc/loadavg (shown only: it counts the worker's own tasks too)
//   input    the access times of terminals (/dev/tty*, /dev/pts/*: what `w` shows as IDLE) and the
//            interrupt counts of PS/2 and HID input devices in /proc/interrupts (keyboard, mouse,
//            touchpad); /dev/input/event* timestamps are not used: whether they move with input
//            depends on the driver, and a stale one would read as "idle"
//   battery  /sys/class/power_supply: on battery when a battery discharges and no mains is online
// Each reader says plainly when its source is missing; `unavailable` lists them for doctor and the page.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type CpuSample, type MachineSignals } from './decide.ts';
import { MAX_IDLE_MINUTES } from './preferences.ts';

export interface SignalReport extends MachineSignals {
  loadAvg1: number | null;
  /** The sources this machine lacks, in words. */
  unavailable: string[];
  /** The sources in use, in words. */
  available: string[];
}

export interface SignalPaths {
  proc: string;
  dev: string;
  powerSupply: string;
}

const LINUX: SignalPaths = { proc: '/proc', dev: '/dev', powerSupply: '/sys/class/power_supply' };

/** busy and total jiffies of all cores, from the first line of /proc/stat. */
export function parseProcStat(text: string): { busy: number; total: number } | null {
  const line = text.split('\n').find((row) => row.startsWith('cpu '));
  if (!line) return null;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((value) => !Number.isFinite(value))) return null;
  // user nice system idle iowait irq softirq steal (guest is already inside user).
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** ppid and the CPU ticks of a process and its reaped children, from /proc/<pid>/stat. */
export function parsePidStat(text: string): { ppid: number; ticks: number } | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).trim().split(/\s+/);
  // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  const ppid = Number(fields[1]);
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
  return Number.isFinite(ppid) && Number.isFinite(ticks) ? { ppid, ticks } : null;
}

/** Interrupt counts of input devices (i8042 PS/2, HID, keyboard, mouse, touchpad) from /proc/interrupts. */
export function inputInterrupts(text: string): number | null {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!/i8042|keyboard|mouse|touchpad|i2c[-_]hid|hid[-_]|elan|synaptics/i.test(line)) continue;
    const counts = line.split(':')[1]?.trim().split(/\s+/) ?? [];
    for (const count of counts) {
      if (!/^\d+$/.test(count)) break;
      total += Number(count);
      found = true;
    }
  }
  return found ? total : null;
}

/** Samples the machine every few seconds; keeps the CPU history the idle rule needs. */
export class SignalSampler {
  private readonly paths: SignalPaths;
  private readonly rootPid: number;
  private lastStat: { busy: number; total: number; own: number } | null = null;
  private readonly history: CpuSample[] = [];
  private lastInterrupts: number | null = null;
  private lastInputMs: number | null = null;
  private latest: SignalReport = { onBattery: null, inputIdleS: null, cpu: null, loadAvg1: null, unavailable: [], available: [] };

  constructor(options: { paths?: Partial<SignalPaths>; rootPid?: number } = {}) {
    this.paths = { ...LINUX, ...options.paths };
    this.rootPid = options.rootPid ?? process.pid;
  }

  get report(): SignalReport {
    return this.latest;
  }

  async sample(nowMs = Date.now()): Promise<SignalReport> {
    const unavailable: string[] = [];
    const available: string[] = [];
    const [cpu, loadAvg1, ttyIdleS, interrupts, onBattery] = await Promise.all([
      this.sampleCpu(nowMs),
      readFile(path.join(this.paths.proc, 'loadavg'), 'utf8').then((text) => Number(text.split(' ')[0]), () => null),
      this.terminalIdleS(nowMs),
      readFile(path.join(this.paths.proc, 'interrupts'), 'utf8').then(inputInterrupts, () => null),
      this.battery(),
    ]);
    if (cpu) available.push('CPU load of other processes (/proc/stat minus this worker)');
    else unavailable.push('CPU load (/proc/stat is not readable)');
    if (interrupts !== null) {
      // The counter only says "input since the last sample": until it moves, idle since we first looked.
      if (this.lastInterrupts === null) this.lastInputMs = nowMs;
      else if (interrupts !== this.lastInterrupts) this.lastInputMs = nowMs;
      this.lastInterrupts = interrupts;
      available.push('keyboard and mouse interrupts (/proc/interrupts)');
    } else unavailable.push('keyboard and mouse interrupts (no PS/2 or HID input device in /proc/interrupts; USB input shares its controller’s interrupt)');
    if (ttyIdleS !== null) available.push('terminal input (/dev/tty*, /dev/pts/*)');
    else unavailable.push('terminal input (no terminal in /dev/pts or /dev/tty* readable)');
    const idles = [ttyIdleS, interrupts !== null && this.lastInputMs !== null ? (nowMs - this.lastInputMs) / 1000 : null].filter((value): value is number => value !== null);
    const inputIdleS = idles.length ? Math.min(...idles) : null;
    if (onBattery !== null) available.push('power supply (/sys/class/power_supply)');
    else unavailable.push('power supply (no /sys/class/power_supply entries: taken as mains power)');
    if (loadAvg1 === null) unavailable.push('load average (/proc/loadavg)');
    unavailable.push('graphical session idle time (X11/Wayland are not asked)');
    this.latest = { onBattery, inputIdleS, cpu: cpu ? [...this.history] : null, loadAvg1: Number.isFinite(loadAvg1) ? loadAvg1 : null, unavailable, available };
    return this.latest;
  }

  private async sampleCpu(nowMs: number): Promise<boolean> {
    const text = await readFile(path.join(this.paths.proc, 'stat'), 'utf8').catch(() => null);
    const totals = text ? parseProcStat(text) : null;
    if (!totals) return false;
    const own = await this.ownTicks();
    const previous = this.lastStat;
    this.lastStat = { ...totals, own };
    if (previous && totals.total > previous.total) {
      const otherBusy = Math.max(0, totals.busy - previous.busy - Math.max(0, own - previous.own)) / (totals.total - previous.total);
      this.history.push({ atMs: nowMs, otherBusy: Math.min(1, otherBusy) });
      const keepFrom = nowMs - (MAX_IDLE_MINUTES + 1) * 60_000;
      while (this.history.length && this.history[0]!.atMs < keepFrom) this.history.shift();
    }
    return true;
  }

  /** CPU ticks of this worker and all its descendants (a task's reaped children count in its own). */
  private async ownTicks(): Promise<number> {
    const entries = await readdir(this.paths.proc).catch(() => [] as string[]);
    const byParent = new Map<number, { pid: number; ticks: number }[]>();
    const own = new Map<number, number>();
    await Promise.all(
      entries
        .filter((name) => /^\d+$/.test(name))
        .map(async (name) => {
          const parsed = parsePidStat(await readFile(path.join(this.paths.proc, name, 'stat'), 'utf8').catch(() => ''));
          if (!parsed) return;
          const pid = Number(name);
          if (pid === this.rootPid) own.set(pid, parsed.ticks);
          const siblings = byParent.get(parsed.ppid) ?? [];
          siblings.push({ pid, ticks: parsed.ticks });
          byParent.set(parsed.ppid, siblings);
        }),
    );
    let total = own.get(this.rootPid) ?? 0;
    const queue = [this.rootPid];
    while (queue.length) {
      for (const child of byParent.get(queue.shift()!) ?? []) {
        total += child.ticks;
        queue.push(child.pid);
      }
    }
    return total;
  }

  /** Seconds since the most recently used terminal was typed on; null when none is readable. */
  private async terminalIdleS(nowMs: number): Promise<number | null> {
    const pts = await readdir(path.join(this.paths.dev, 'pts')).catch(() => [] as string[]);
    const dev = await readdir(this.paths.dev).catch(() => [] as string[]);
    const files = [...pts.filter((name) => /^\d+$/.test(name)).map((name) => path.join(this.paths.dev, 'pts', name)), ...dev.filter((name) => /^tty\d+$/.test(name)).map((name) => path.join(this.paths.dev, name))];
    let latest: number | null = null;
    for (const file of files) {
      const info = await stat(file).catch(() => null);
      if (info && (latest === null || info.atimeMs > latest)) latest = info.atimeMs;
    }
    return latest === null ? null : Math.max(0, (nowMs - latest) / 1000);
  }

  /** true on battery, false on mains, null when the machine has no power-supply information. */
  private async battery(): Promise<boolean | null> {
    const names = await readdir(this.paths.powerSupply).catch(() => null);
    if (!names || names.length === 0) return null;
    let mainsOnline = false;
    let discharging = false;
    let known = false;
    for (const name of names) {
      const read = (file: string) => readFile(path.join(this.paths.powerSupply, name, file), 'utf8').then((text) => text.trim(), () => null);
      const type = await read('type');
      if (type === 'Mains' || type === 'USB') {
        known = true;
        if ((await read('online')) === '1') mainsOnline = true;
      } else if (type === 'Battery') {
        known = true;
        if ((await read('status')) === 'Discharging') discharging = true;
      }
    }
    if (!known) return null;
    return discharging && !mainsOnline;
  }
}
