// The sandbox's pure parts: bubblewrap's argument list, the run policy, the limits.
import { describe, expect, it } from 'vitest';
import { sandboxIdentity } from '../../src/execution.ts';
import { bwrapArgs, interpreterBinds, type SandboxSpec, syntheticEtc } from '../../src/sandbox/bwrap.ts';
import { versionAtLeast } from '../../src/sandbox/host.ts';
import { resourceLimits } from '../../src/sandbox/limits.ts';
import { decideRun, type SandboxStatus, startupDecision, trustOf } from '../../src/sandbox/policy.ts';

const MIB = 1024 * 1024;

function spec(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    host: {
      systemDirs: [
        { path: '/bin', symlinkTo: 'usr/bin' },
        { path: '/lib', symlinkTo: 'usr/lib' },
        { path: '/lib64', symlinkTo: 'usr/lib64' },
        { path: '/sbin', symlinkTo: 'usr/sbin' },
      ],
      etc: ['alternatives', 'ld.so.cache', 'localtime', 'python3.11'],
      gpuDevices: ['/dev/nvidia-caps', '/dev/nvidia-uvm', '/dev/nvidia0', '/dev/nvidiactl'],
    },
    run: { work: '/state/runs/w1/work', script: '/state/runs/w1/script', data: '/state/runs/w1/data', etc: '/state/runs/w1/etc' },
    interpreterDirs: [],
    gpu: false,
    tmpBytes: 512 * MIB,
    asRoot: false,
    env: { PATH: '/usr/bin:/bin', HOME: '/xeenet/task' },
    command: ['/usr/bin/python3', '-c', 'pass'],
    ...overrides,
  };
}

/** The values following each occurrence of flag. */
function after(args: string[], flag: string, count = 1): string[][] {
  const found: string[][] = [];
  args.forEach((arg, index) => {
    if (arg === flag && index < args.indexOf('--')) found.push(args.slice(index + 1, index + 1 + count));
  });
  return found;
}

describe('bwrapArgs', () => {
  it('isolates: no network, own PID/IPC/UTS namespaces, a new session, dies with the worker', () => {
    const args = bwrapArgs(spec());
    for (const flag of ['--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session', '--clearenv']) {
      expect(args).toContain(flag);
    }
    expect(after(args, '--hostname')).toEqual([['xeenet-task']]);
    // Not root: a user namespace, and none nested in it.
    expect(args).toContain('--unshare-user');
    expect(args).toContain('--disable-userns');
    expect(args).not.toContain('--cap-add');
  });

  it('as root: no user namespace, every capability dropped but the two the bootstrap needs to leave root', () => {
    const args = bwrapArgs(spec({ asRoot: true }));
    expect(args).not.toContain('--unshare-user');
    expect(after(args, '--cap-drop')).toEqual([['ALL']]);
    expect(after(args, '--cap-add')).toEqual([['CAP_SETUID'], ['CAP_SETGID']]);
    // bwrap cannot enter the task's folder (0700, the task's uid) any more: the bootstrap does.
    expect(after(args, '--chdir')).toEqual([['/']]);
  });

  it('shows the system read-only, a few /etc entries (never /etc itself), and synthetic passwd, group and hosts', () => {
    const args = bwrapArgs(spec());
    const readOnly = after(args, '--ro-bind', 2);
    expect(readOnly).toContainEqual(['/usr', '/usr']);
    expect(after(args, '--symlink', 2)).toEqual([
      ['usr/bin', '/bin'],
      ['usr/lib', '/lib'],
      ['usr/lib64', '/lib64'],
      ['usr/sbin', '/sbin'],
    ]);
    const etc = readOnly.filter(([, target]) => target!.startsWith('/etc'));
    expect(etc).toEqual([
      ['/etc/alternatives', '/etc/alternatives'],
      ['/etc/ld.so.cache', '/etc/ld.so.cache'],
      ['/etc/localtime', '/etc/localtime'],
      ['/etc/python3.11', '/etc/python3.11'],
      ['/state/runs/w1/etc/passwd', '/etc/passwd'],
      ['/state/runs/w1/etc/group', '/etc/group'],
      ['/state/runs/w1/etc/hosts', '/etc/hosts'],
    ]);
    expect(readOnly).not.toContainEqual(['/etc', '/etc']);
    expect(args.filter((arg) => arg === '/etc/shadow')).toEqual([]);
    expect(args).not.toContain('/sys');
  });

  it('binds only the task folder writable, script and dataset read-only, at neutral paths', () => {
    const args = bwrapArgs(spec());
    expect(after(args, '--bind', 2)).toEqual([['/state/runs/w1/work', '/xeenet/task']]);
    expect(after(args, '--ro-bind', 2)).toContainEqual(['/state/runs/w1/script', '/xeenet/script']);
    expect(after(args, '--ro-bind', 2)).toContainEqual(['/state/runs/w1/data', '/xeenet/data']);
    expect(after(args, '--chdir')).toEqual([['/xeenet/task']]);
  });

  it('gives /tmp and /dev/shm a size, mounts /proc of its namespace and a minimal, read-only /dev', () => {
    const args = bwrapArgs(spec({ tmpBytes: 64 * MIB }));
    expect(after(args, '--tmpfs')).toEqual([['/dev/shm'], ['/tmp']]);
    expect(after(args, '--size')).toEqual([[String(64 * MIB)], [String(64 * MIB)]]);
    expect(after(args, '--proc')).toEqual([['/proc']]);
    expect(after(args, '--dev')).toEqual([['/dev']]);
    expect(after(args, '--remount-ro')).toEqual([['/dev']]);
    // The order matters: the size belongs to the tmpfs after it, /dev/shm is mounted before /dev turns read-only.
    expect(args.indexOf('--remount-ro')).toBeGreaterThan(args.indexOf('/dev/shm'));
    expect(args[args.indexOf('/dev/shm') - 1]).toBe('--tmpfs');
  });

  it('passes the GPU device nodes (and /sys) only for a task that uses the GPU', () => {
    expect(bwrapArgs(spec()).filter((arg) => arg.startsWith('/dev/nvidia'))).toEqual([]);
    const args = bwrapArgs(spec({ gpu: true }));
    expect(after(args, '--dev-bind', 2)).toEqual([
      ['/dev/nvidia-caps', '/dev/nvidia-caps'],
      ['/dev/nvidia-uvm', '/dev/nvidia-uvm'],
      ['/dev/nvidia0', '/dev/nvidia0'],
      ['/dev/nvidiactl', '/dev/nvidiactl'],
    ]);
    expect(after(args, '--ro-bind', 2)).toContainEqual(['/sys', '/sys']);
  });

  it('sets exactly the environment it is given, and ends with the command', () => {
    const args = bwrapArgs(spec({ env: { PATH: '/usr/bin', HOME: '/xeenet/task', TMPDIR: '/tmp' } }));
    expect(after(args, '--setenv', 2)).toEqual([
      ['HOME', '/xeenet/task'],
      ['PATH', '/usr/bin'],
      ['TMPDIR', '/tmp'],
    ]);
    expect(args.indexOf('--clearenv')).toBeLessThan(args.indexOf('--setenv'));
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '/usr/bin/python3', '-c', 'pass']);
  });

  it('binds the interpreter folders outside /usr read-only where they are (a venv, pyenv)', () => {
    const args = bwrapArgs(spec({ interpreterDirs: ['/usr/lib/python3/dist-packages', '/home/ada/.local/share/xeenet/venv', '/home/ada/.local/share/xeenet/venv/lib/python3.11/site-packages', 'relative'] }));
    expect(after(args, '--ro-bind', 2)).toContainEqual(['/home/ada/.local/share/xeenet/venv', '/home/ada/.local/share/xeenet/venv']);
    expect(args).not.toContain('/home/ada/.local/share/xeenet/venv/lib/python3.11/site-packages');
    expect(args).not.toContain('/usr/lib/python3/dist-packages');
  });

  it('on a system without merged /usr binds /lib and /bin themselves', () => {
    const args = bwrapArgs(spec({ host: { ...spec().host, systemDirs: [{ path: '/lib', symlinkTo: null }, { path: '/bin', symlinkTo: null }] } }));
    expect(after(args, '--ro-bind', 2)).toEqual(expect.arrayContaining([['/lib', '/lib'], ['/bin', '/bin']]));
  });
});

describe('the pieces around it', () => {
  it('interpreterBinds drops duplicates, /usr and folders inside another', () => {
    expect(interpreterBinds(['/opt/conda/lib/python3.11', '/opt/conda', '/opt/conda/', '/usr/local/lib', '/srv/venv'])).toEqual(['/srv/venv', '/opt/conda']);
  });

  it('the synthetic passwd names only the task user, with the task folder as its home', () => {
    const etc = syntheticEtc(1900000001, 1900000001);
    expect(etc.passwd).toBe('xeenet:x:1900000001:1900000001:XeeNet task:/xeenet/task:/usr/sbin/nologin\n');
    expect(etc.hosts).toContain('127.0.0.1\tlocalhost');
  });

  it('as root each slot has two uids of its own, alternating, so a warm interpreter never shares one with the running task', () => {
    expect([0, 1, 2, 3].map((serial) => sandboxIdentity(1000, 0, serial).uid)).toEqual([1000, 1001, 1000, 1001]);
    expect([0, 1].map((serial) => sandboxIdentity(1000, 1, serial).uid)).toEqual([1002, 1003]);
  });

  it('needs bubblewrap 0.8.0 or newer (--size, --perms, --disable-userns)', () => {
    expect(versionAtLeast('0.8.0')).toBe(true);
    expect(versionAtLeast('0.10.1')).toBe(true);
    expect(versionAtLeast('1.0')).toBe(true);
    expect(versionAtLeast('0.7.9')).toBe(false);
    expect(versionAtLeast('0.4.0')).toBe(false);
    expect(versionAtLeast('unknown')).toBe(false);
  });

  it('default limits: 3/4 of the RAM shared by the slots (at least 1 GiB), 256 processes or 8 per core, 2 GiB files, 512 MiB /tmp', () => {
    expect(resourceLimits({ ramMb: 24_000, cores: 2 }, 1)).toEqual({ memoryBytes: 18_000 * MIB, processes: 256, fileSizeBytes: 2048 * MIB, tmpBytes: 512 * MIB });
    expect(resourceLimits({ ramMb: 24_000, cores: 64 }, 4).memoryBytes).toBe(4500 * MIB);
    expect(resourceLimits({ ramMb: 24_000, cores: 64 }, 4).processes).toBe(512);
    expect(resourceLimits({ ramMb: 1000, cores: 1 }, 2).memoryBytes).toBe(1024 * MIB);
    expect(resourceLimits({ ramMb: 24_000, cores: 2 }, 1, { memoryMb: 300, processes: 32, fileSizeMb: 8, tmpMb: 16 })).toEqual({
      memoryBytes: 300 * MIB,
      processes: 32,
      fileSizeBytes: 8 * MIB,
      tmpBytes: 16 * MIB,
    });
  });
});

describe('the run policy', () => {
  const sandbox: SandboxStatus = { available: true, kind: 'bubblewrap', version: '0.8.0', asRoot: false };
  const none: SandboxStatus = { available: false, reason: 'bubblewrap (bwrap) is not installed', fix: 'apt-get install bubblewrap' };

  it('runs every script in the sandbox when there is one, whatever its trust', () => {
    for (const trust of ['BUILTIN', 'REVIEWED', 'OWN', 'UNKNOWN'] as const) {
      expect(decideRun({ trust, sandbox, allowUnsandboxed: false })).toEqual({ run: true, sandboxed: true });
      expect(decideRun({ trust, sandbox, allowUnsandboxed: true })).toEqual({ run: true, sandboxed: true });
    }
  });

  it('without one: only platform built-ins, unless the volunteer opted in', () => {
    expect(decideRun({ trust: 'BUILTIN', sandbox: none, allowUnsandboxed: false })).toEqual({ run: true, sandboxed: false });
    for (const trust of ['REVIEWED', 'OWN', 'UNKNOWN'] as const) {
      const refused = decideRun({ trust, sandbox: none, allowUnsandboxed: false });
      expect(refused).toMatchObject({ run: false, code: 'NO_SANDBOX' });
      expect(refused.run === false && refused.reason).toContain('--allow-unsandboxed');
      expect(refused.run === false && refused.reason).toContain(`trust ${trust}`);
      expect(decideRun({ trust, sandbox: none, allowUnsandboxed: true })).toEqual({ run: true, sandboxed: false });
    }
  });

  it('a lease’s script trust is UNKNOWN when it names none', () => {
    expect(trustOf({ script: { sha256: 'x' } })).toBe('UNKNOWN');
    expect(trustOf({ script: { trust: 'BUILTIN' } })).toBe('BUILTIN');
    expect(trustOf({ script: { trust: 'root please' } })).toBe('UNKNOWN');
  });

  it('start: without a sandbox, runs only built-ins (leases say which); refused against a server whose leases cannot say', () => {
    const builtinsOnly = startupDecision({ sandbox: none, allowUnsandboxed: false, simulate: false });
    expect(builtinsOnly).toMatchObject({ start: true, sandboxed: false });
    expect(builtinsOnly.start && builtinsOnly.warning).toContain('only platform built-in scripts will run');
    const refused = startupDecision({ sandbox: none, allowUnsandboxed: false, simulate: false, leasesCarryTrust: false });
    expect(refused.start).toBe(false);
    expect(refused.start === false && refused.message).toContain('--allow-unsandboxed');
    expect(refused.start === false && refused.message).toContain('apt-get install bubblewrap');
    expect(startupDecision({ sandbox: none, allowUnsandboxed: false, simulate: false, leasesCarryTrust: true })).toMatchObject({ start: true, sandboxed: false });
    const opted = startupDecision({ sandbox: none, allowUnsandboxed: true, simulate: false });
    expect(opted).toMatchObject({ start: true, sandboxed: false });
    expect(opted.start && opted.warning).toContain('NO SANDBOX');
    expect(startupDecision({ sandbox, allowUnsandboxed: false, simulate: false })).toEqual({ start: true, sandboxed: true, warning: null });
    expect(startupDecision({ sandbox: none, allowUnsandboxed: false, simulate: true })).toEqual({ start: true, sandboxed: false, warning: null });
  });
});
