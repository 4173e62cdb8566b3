// The volunteer's preferences: the pure decision, the checks of an update, the script-kind filter,
// the Linux signal parsers and sampler (on a fake /proc and /sys), precedence and usage on disk.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acceptsTrust,
  checkUpdate,
  DEFAULT_PREFERENCES,
  inputInterrupts,
  insideHours,
  type MachineSignals,
  parseHours,
  parsePidStat,
  parseProcStat,
  PreferenceError,
  type Preferences,
  PreferenceStore,
  shouldRun,
  SignalSampler,
  UsageStore,
} from '../../src/preferences/index.ts';
import { tempDir } from '../helpers/temp.ts';

const prefs = (change: Partial<Preferences> = {}): Preferences => ({ ...DEFAULT_PREFERENCES, ...change });
const NONE: MachineSignals = { onBattery: null, inputIdleS: null, cpu: null };
const at = (hh: number, mm = 0) => new Date(2026, 11, 1, hh, mm, 0);
const NO_USAGE = { tasksToday: 0, secondsToday: 0 };

describe('shouldRun', () => {
  it('runs by default, with no signal at all', () => {
    expect(shouldRun(prefs(), NONE, at(12), NO_USAGE)).toEqual({ run: true, code: 'RUN', reason: 'running' });
  });

  it('a manual pause gives the running task back; it wins over everything else', () => {
    const decision = shouldRun(prefs({ paused: true, hours: { from: '01:00', to: '02:00' } }), { ...NONE, onBattery: true }, at(12), NO_USAGE);
    expect(decision).toMatchObject({ run: false, code: 'PAUSED', whenRunning: 'release' });
  });

  it('pauses on battery (releasing), unless told not to; an unknown power supply is mains', () => {
    expect(shouldRun(prefs(), { ...NONE, onBattery: true }, at(12), NO_USAGE)).toMatchObject({ run: false, code: 'ON_BATTERY', whenRunning: 'release' });
    expect(shouldRun(prefs({ pauseOnBattery: false }), { ...NONE, onBattery: true }, at(12), NO_USAGE).run).toBe(true);
    expect(shouldRun(prefs(), { ...NONE, onBattery: null }, at(12), NO_USAGE).run).toBe(true);
  });

  it('runs only inside the hours, across midnight too; outside them the running task finishes', () => {
    const night = prefs({ hours: { from: '22:00', to: '07:00' } });
    expect(shouldRun(night, NONE, at(23, 30), NO_USAGE).run).toBe(true);
    expect(shouldRun(night, NONE, at(3), NO_USAGE).run).toBe(true);
    expect(shouldRun(night, NONE, at(7), NO_USAGE)).toMatchObject({ run: false, code: 'OUTSIDE_HOURS', whenRunning: 'finish' });
    expect(shouldRun(night, NONE, at(21, 59), NO_USAGE).run).toBe(false);
    expect(insideHours({ from: '09:00', to: '17:00' }, at(9))).toBe(true);
    expect(insideHours({ from: '09:00', to: '17:00' }, at(17))).toBe(false);
    expect(insideHours({ from: '09:00', to: '09:00' }, at(3))).toBe(true);
  });

  it('stops leasing at a daily task or hours cap, finishing the running task', () => {
    expect(shouldRun(prefs({ dailyTaskCap: 3 }), NONE, at(12), { tasksToday: 2, secondsToday: 0 }).run).toBe(true);
    expect(shouldRun(prefs({ dailyTaskCap: 3 }), NONE, at(12), { tasksToday: 3, secondsToday: 0 })).toMatchObject({ code: 'DAILY_TASK_CAP', whenRunning: 'finish' });
    expect(shouldRun(prefs({ dailyHoursCap: 1.5 }), NONE, at(12), { tasksToday: 9, secondsToday: 5399 }).run).toBe(true);
    expect(shouldRun(prefs({ dailyHoursCap: 1.5 }), NONE, at(12), { tasksToday: 9, secondsToday: 5400 })).toMatchObject({ code: 'DAILY_HOURS_CAP' });
  });

  it('idle only: needs N minutes without input and with low load from other processes', () => {
    const idle = prefs({ idleOnly: true, idleMinutes: 5, idleMaxOtherLoad: 0.2 });
    const now = at(12);
    const samples = (busy: number[], everyS = 60) => busy.map((otherBusy, i) => ({ atMs: now.getTime() - (busy.length - 1 - i) * everyS * 1000, otherBusy }));
    expect(shouldRun(idle, NONE, now, NO_USAGE)).toMatchObject({ run: false, code: 'IDLE_UNKNOWN', whenRunning: 'release' });
    expect(shouldRun(idle, { ...NONE, inputIdleS: 299 }, now, NO_USAGE)).toMatchObject({ run: false, code: 'NOT_IDLE' });
    expect(shouldRun(idle, { ...NONE, inputIdleS: 300 }, now, NO_USAGE).run).toBe(true);
    // Six samples a minute apart cover the 5 minutes; one busy sample inside them is enough to wait.
    expect(shouldRun(idle, { ...NONE, cpu: samples([0.1, 0.05, 0.1, 0.0, 0.1, 0.15]) }, now, NO_USAGE).run).toBe(true);
    const busy = shouldRun(idle, { ...NONE, cpu: samples([0.1, 0.05, 0.9, 0.0, 0.1, 0.15]) }, now, NO_USAGE);
    expect(busy).toMatchObject({ run: false, code: 'NOT_IDLE' });
    expect(busy.reason).toContain('90%');
    // A busy sample older than the window no longer counts; a history shorter than it is not enough yet.
    expect(shouldRun(idle, { ...NONE, cpu: samples([0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]) }, now, NO_USAGE).run).toBe(true);
    expect(shouldRun(idle, { ...NONE, cpu: samples([0.1, 0.1, 0.1]) }, now, NO_USAGE).reason).toMatch(/measured for 120 s of 300 s/);
    // Both signals must agree.
    expect(shouldRun(idle, { ...NONE, inputIdleS: 10, cpu: samples([0, 0, 0, 0, 0, 0]) }, now, NO_USAGE).run).toBe(false);
  });
});

describe('preference updates', () => {
  it('takes valid fields and refuses the whole update when one is bad, listing every problem', () => {
    expect(checkUpdate({ hours: { from: '22:00', to: '07:00' }, cpuThreads: 2, gpu: false, acceptScripts: ['own', 'builtin'] })).toEqual({
      hours: { from: '22:00', to: '07:00' },
      cpuThreads: 2,
      gpu: false,
      acceptScripts: ['builtin', 'own'],
    });
    const bad = () => checkUpdate({ cpuThreads: 0, hours: { from: '25:00', to: '07:00' }, acceptScripts: ['any'], colour: 'red', dailyHoursCap: 30 });
    expect(bad).toThrow(PreferenceError);
    try {
      bad();
    } catch (error) {
      expect((error as PreferenceError).problems).toHaveLength(5);
    }
    expect(() => checkUpdate([])).toThrow(/JSON object/);
    expect(parseHours('22:00-07:00')).toEqual({ from: '22:00', to: '07:00' });
    expect(parseHours('always')).toBeNull();
    expect(() => parseHours('22-7')).toThrow(/22:00-07:00/);
  });

  it('accepts scripts by trust; a lease that does not say is run only when every kind is accepted', () => {
    expect(acceptsTrust(['builtin'], 'BUILTIN')).toBe(true);
    expect(acceptsTrust(['builtin'], 'REVIEWED')).toBe(false);
    expect(acceptsTrust(['builtin', 'reviewed'], 'OWN')).toBe(false);
    expect(acceptsTrust(['own'], 'OWN')).toBe(true);
    expect(acceptsTrust(['builtin', 'reviewed', 'own'], 'UNKNOWN')).toBe(true);
    expect(acceptsTrust(['builtin', 'reviewed'], 'UNKNOWN')).toBe(false);
  });

  it('flags win over the file; a page change applies at once and is written to the file', async () => {
    const dir = tempDir('xeenet-prefs-');
    writeFileSync(path.join(dir, 'preferences.json'), JSON.stringify({ cpuThreads: 4, gpu: false, dailyTaskCap: 10 }));
    const store = new PreferenceStore(dir);
    await store.load({ cpuThreads: 2 });
    expect(store.preferences).toMatchObject({ cpuThreads: 2, gpu: false, dailyTaskCap: 10, idleOnly: false });
    expect([store.sourceOf('cpuThreads'), store.sourceOf('gpu'), store.sourceOf('idleOnly')]).toEqual(['flag', 'file', 'default']);
    const seen: boolean[] = [];
    store.onChange((p) => seen.push(p.paused));
    await store.update({ paused: true, cpuThreads: 1 });
    expect(store.preferences).toMatchObject({ paused: true, cpuThreads: 1 });
    expect(seen).toEqual([true]);
    expect(JSON.parse(readFileSync(path.join(dir, 'preferences.json'), 'utf8'))).toEqual({ cpuThreads: 1, gpu: false, dailyTaskCap: 10, paused: true });
    await expect(store.update({ cpuThreads: -1 })).rejects.toThrow(PreferenceError);
    expect(store.preferences.cpuThreads).toBe(1);
  });

  it('refuses to start on a config file it cannot read, naming it', async () => {
    const dir = tempDir('xeenet-prefs-');
    writeFileSync(path.join(dir, 'preferences.json'), '{ not json');
    await expect(new PreferenceStore(dir).load({})).rejects.toThrow(/preferences.json is not valid JSON/);
    writeFileSync(path.join(dir, 'preferences.json'), JSON.stringify({ idleMinutes: 0 }));
    await expect(new PreferenceStore(dir).load({})).rejects.toThrow(/preferences.json: idleMinutes/);
  });

  it('counts usage per local day and keeps it across restarts', async () => {
    const dir = tempDir('xeenet-usage-');
    const usage = new UsageStore(dir);
    usage.record(30, at(23, 50));
    usage.record(40, at(23, 55));
    expect(usage.today(at(23, 59))).toEqual({ tasksToday: 2, secondsToday: 70 });
    await usage.flush();
    const again = new UsageStore(dir);
    await again.load();
    expect(again.today(at(23, 59))).toEqual({ tasksToday: 2, secondsToday: 70 });
    expect(again.today(new Date(2026, 11, 2, 0, 1))).toEqual({ tasksToday: 0, secondsToday: 0 });
    again.record(5, new Date(2026, 11, 2, 0, 1));
    expect(again.totals).toEqual({ tasks: 3, seconds: 75 });
  });
});

describe('machine signals', () => {
  it('parses /proc/stat, /proc/<pid>/stat and the input lines of /proc/interrupts', () => {
    expect(parseProcStat('cpu  100 5 50 800 20 1 2 3 0 0\ncpu0 1 2 3 4\n')).toEqual({ busy: 161, total: 981 });
    expect(parsePidStat('42 (python3 (x)) S 7 42 42 0 -1 4194560 100 0 0 0 30 10 4 6 20 0 1 0')).toEqual({ ppid: 7, ticks: 50 });
    const interrupts = '           CPU0       CPU1\n  1:         10         20   IO-APIC   1-edge      i8042\n 12:        300          5   IO-APIC  12-edge      i8042\n 24:       9999       9999   PCI-MSI  ahci\n';
    expect(inputInterrupts(interrupts)).toBe(335);
    expect(inputInterrupts(' 24:  1  PCI-MSI  ahci\n')).toBeNull();
  });

  it('reads battery, CPU load of others (minus its own tree) and input from a fake /proc, /dev and /sys', async () => {
    const root = tempDir('xeenet-signals-');
    const proc = path.join(root, 'proc');
    const sys = path.join(root, 'power');
    const dev = path.join(root, 'dev');
    for (const dir of [proc, path.join(proc, '100'), path.join(proc, '101'), path.join(proc, '200'), path.join(sys, 'BAT0'), path.join(sys, 'AC'), dev]) mkdirSync(dir, { recursive: true });
    const pidStat = (pid: number, ppid: number, ticks: number) => writeFileSync(path.join(proc, String(pid), 'stat'), `${pid} (x) S ${ppid} 0 0 0 0 0 0 0 0 0 ${ticks} 0 0 0 20`);
    writeFileSync(path.join(sys, 'BAT0', 'type'), 'Battery\n');
    writeFileSync(path.join(sys, 'BAT0', 'status'), 'Discharging\n');
    writeFileSync(path.join(sys, 'AC', 'type'), 'Mains\n');
    writeFileSync(path.join(sys, 'AC', 'online'), '0\n');
    writeFileSync(path.join(proc, 'interrupts'), '  1:  10  i8042\n');
    writeFileSync(path.join(proc, 'loadavg'), '1.50 1.00 0.50 2/300 999\n');
    const cpuAt = (busy: number, idle: number) => writeFileSync(path.join(proc, 'stat'), `cpu  ${busy} 0 0 ${idle} 0 0 0 0\n`);
    cpuAt(1000, 1000);
    pidStat(100, 1, 100); // the worker
    pidStat(101, 100, 50); // its task
    pidStat(200, 1, 500); // someone else
    const sampler = new SignalSampler({ paths: { proc, dev, powerSupply: sys }, rootPid: 100 });
    const first = await sampler.sample(0);
    expect(first.onBattery).toBe(true);
    expect(first.loadAvg1).toBe(1.5);
    expect(first.cpu).toEqual([]);
    expect(first.unavailable.join(' ')).toContain('terminal input');
    // 1000 ticks pass: 600 busy, of which the worker's tree used 300 → others 300 of 1000.
    cpuAt(1600, 1400);
    pidStat(100, 1, 200);
    pidStat(101, 100, 250);
    writeFileSync(path.join(proc, 'interrupts'), '  1:  12  i8042\n');
    const second = await sampler.sample(5000);
    expect(second.cpu).toEqual([{ atMs: 5000, otherBusy: 0.3 }]);
    expect(second.inputIdleS).toBe(0);
    const third = await sampler.sample(65_000);
    expect(third.inputIdleS).toBe(60);
    writeFileSync(path.join(sys, 'AC', 'online'), '1\n');
    expect((await sampler.sample(70_000)).onBattery).toBe(false);
  });
});

describe('the script-kind preflight', () => {
  it('refuses a lease whose kind the volunteer does not accept, with a reason; reads the choice at each lease', async () => {
    const { scriptKindCheck } = await import('../../src/preflight.ts');
    let accept: ('builtin' | 'reviewed' | 'own')[] = ['builtin', 'reviewed', 'own'];
    const check = scriptKindCheck(() => accept);
    const task = (trust?: string) => ({ lease: { script: { trust } } }) as never;
    expect(await check(task())).toEqual({ kind: 'run' });
    accept = ['builtin'];
    expect(await check(task('BUILTIN'))).toEqual({ kind: 'run' });
    expect(await check(task('REVIEWED'))).toEqual({ kind: 'refuse', code: 'NOT_ACCEPTED', reason: 'refused to run: the volunteer accepts only builtin scripts and this one is reviewed' });
    expect(await check(task())).toMatchObject({ kind: 'refuse', reason: expect.stringContaining('unknown kind') });
  });
});
