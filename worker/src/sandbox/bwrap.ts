// The bubblewrap command line for one task's sandbox. Pure: the host facts it needs (which system
// folders are merged-/usr symlinks, which /etc entries exist, GPU device nodes) are passed in, so
// every flag is unit-tested; `host.ts` reads them from the machine.
//
// Inside, a task sees: /usr and the other system folders read-only, a handful of /etc entries
// (never /etc as a whole: it holds root-readable secrets), its interpreter read-only, a private
// /tmp and /dev/shm of a fixed size, /proc of its own PID namespace, a minimal /dev (GPU nodes only
// when it uses the GPU), its script and dataset read-only and one writable folder, /xeenet/task,
// which is also its HOME, so that no path of the volunteer's machine shows.
import path from 'node:path';

export const TASK_DIR = '/xeenet/task';
export const SCRIPT_DIR = '/xeenet/script';
export const DATA_DIR = '/xeenet/data';
export const SANDBOX_HOSTNAME = 'xeenet-task';

/** /etc entries a Python + PyTorch process needs: the dynamic linker's cache and configuration,
 * Debian's alternatives (libblas.so.3 is a link through them), the time zone, Debian's Python
 * configuration (sitecustomize). Nothing with credentials. */
export const ETC_ENTRIES = ['ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'alternatives', 'localtime'] as const;
export const ETC_PATTERN = /^python3(\.\d+)?$/;
/** Files the worker writes for each sandbox (a passwd that names only the task's user, a hosts
 * file for localhost), bound over /etc/<name>. */
export const SYNTHETIC_ETC = ['passwd', 'group', 'hosts'] as const;

export interface SystemDir {
  path: string;
  /** Set when the entry is a symlink (merged /usr: /lib -> usr/lib). */
  symlinkTo: string | null;
}

export interface HostLayout {
  /** /bin, /sbin, /lib, /lib32, /lib64, /libx32 as they exist on this machine. */
  systemDirs: SystemDir[];
  /** Names under /etc to bind read-only (out of ETC_ENTRIES and ETC_PATTERN). */
  etc: string[];
  /** NVIDIA device nodes: /dev/nvidia0, /dev/nvidiactl, /dev/nvidia-uvm, /dev/nvidia-caps, … */
  gpuDevices: string[];
}

/** The host folders of one run, made by the worker. */
export interface RunFolders {
  /** Writable: bound at TASK_DIR. */
  work: string;
  /** The verified script, read-only: bound at SCRIPT_DIR. */
  script: string;
  /** The dataset, read-only: bound at DATA_DIR. */
  data: string;
  /** SYNTHETIC_ETC files. */
  etc: string;
}

export interface SandboxSpec {
  host: HostLayout;
  run: RunFolders;
  /** Interpreter folders outside /usr (a venv, pyenv, conda), bound read-only where they are. */
  interpreterDirs: string[];
  /** Pass the GPU device nodes (and /sys, which the CUDA driver reads) through. */
  gpu: boolean;
  /** Size of the private /tmp and of /dev/shm, each. */
  tmpBytes: number;
  /**
   * The worker runs as root. Then bwrap needs no user namespace and keeps only CAP_SETUID and
   * CAP_SETGID, with which the bootstrap drops to the task's own unprivileged uid before anything
   * else runs (a uid-0 process would be exempt from RLIMIT_NPROC and own every root file it sees).
   * Otherwise bwrap maps the user into a new user namespace and forbids nested ones.
   */
  asRoot: boolean;
  env: Record<string, string>;
  /** The command to run inside (absolute paths as seen inside). */
  command: string[];
}

export function bwrapArgs(spec: SandboxSpec): string[] {
  const args: string[] = [
    '--die-with-parent',
    '--new-session',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--hostname',
    SANDBOX_HOSTNAME,
  ];
  if (spec.asRoot) args.push('--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID');
  else args.push('--unshare-user', '--disable-userns');

  args.push('--ro-bind', '/usr', '/usr');
  for (const dir of spec.host.systemDirs) {
    if (dir.symlinkTo !== null) args.push('--symlink', dir.symlinkTo, dir.path);
    else args.push('--ro-bind', dir.path, dir.path);
  }
  // Folders bwrap creates on its own are 0700: the dropped uid could not enter them.
  args.push('--perms', '0755', '--dir', '/etc');
  for (const entry of spec.host.etc) args.push('--ro-bind', `/etc/${entry}`, `/etc/${entry}`);
  for (const name of SYNTHETIC_ETC) args.push('--ro-bind', path.join(spec.run.etc, name), `/etc/${name}`);

  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--perms', '1777', '--size', String(spec.tmpBytes), '--tmpfs', '/dev/shm');
  if (spec.gpu) for (const node of spec.host.gpuDevices) args.push('--dev-bind', node, node);
  // Nothing new under /dev (its tmpfs is not size-capped); /dev/shm stays writable.
  args.push('--remount-ro', '/dev');
  if (spec.gpu) args.push('--ro-bind', '/sys', '/sys');
  args.push('--perms', '1777', '--size', String(spec.tmpBytes), '--tmpfs', '/tmp');
  // After /tmp, so that an interpreter kept there is not hidden by the private /tmp.
  for (const dir of interpreterBinds(spec.interpreterDirs)) args.push('--ro-bind', dir, dir);

  args.push('--perms', '0755', '--dir', '/xeenet');
  args.push('--ro-bind', spec.run.script, SCRIPT_DIR);
  args.push('--ro-bind', spec.run.data, DATA_DIR);
  args.push('--bind', spec.run.work, TASK_DIR);
  // As root, bwrap has dropped the capability to enter the task's folder (it belongs to the task's
  // uid, 0700): the bootstrap changes into it after it has become that uid.
  args.push('--chdir', spec.asRoot ? '/' : TASK_DIR);

  args.push('--clearenv');
  for (const [name, value] of Object.entries(spec.env).sort(([a], [b]) => a.localeCompare(b))) args.push('--setenv', name, value);
  args.push('--', ...spec.command);
  return args;
}

/** Interpreter folders worth binding: absolute, outside /usr, and not inside one already bound. */
export function interpreterBinds(dirs: string[]): string[] {
  const candidates = [...new Set(dirs.filter((dir) => path.isAbsolute(dir)).map((dir) => path.resolve(dir)))]
    .filter((dir) => !isWithin(dir, '/usr'))
    .sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const dir of candidates) if (!kept.some((outer) => isWithin(dir, outer))) kept.push(dir);
  return kept;
}

export function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** /etc/passwd, /etc/group and /etc/hosts for one sandbox: they name only the task's own user. */
export function syntheticEtc(uid: number, gid: number): Record<(typeof SYNTHETIC_ETC)[number], string> {
  return {
    passwd: `xeenet:x:${uid}:${gid}:XeeNet task:${TASK_DIR}:/usr/sbin/nologin\n`,
    group: `xeenet:x:${gid}:\n`,
    hosts: '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n',
  };
}
