// Resource limits for every training process, set by the bootstrap with setrlimit (soft = hard, so
// the script cannot raise them again) before it forks the script. Defaults leave the machine
// usable when a script misbehaves; `start` flags override them.

const MIB = 1024 * 1024;

export interface ResourceLimits {
  /** RLIMIT_DATA: private writable memory (heap, tensors, anonymous maps). RLIMIT_AS would also
   * count the huge address ranges CUDA reserves, so it is never used. */
  memoryBytes: number;
  /** RLIMIT_NPROC headroom: processes and threads the task may have (it counts threads), on top of
   * what its uid already runs where the limit counts (the sandbox's own ones, or the user's). */
  processes: number;
  /** RLIMIT_FSIZE: the largest file the task may write (beyond it: SIGXFSZ). */
  fileSizeBytes: number;
  /** Size of the sandbox's private /tmp and /dev/shm, each (tmpfs, held in RAM). */
  tmpBytes: number;
}

export interface LimitOverrides {
  memoryMb?: number;
  processes?: number;
  fileSizeMb?: number;
  tmpMb?: number;
}

/** Defaults: three quarters of the RAM shared by the slots (at least 1 GiB), 256 processes or 8
 * per core, 2 GiB files, 512 MiB of /tmp. */
export function resourceLimits(machine: { ramMb: number; cores: number }, slots: number, overrides: LimitOverrides = {}): ResourceLimits {
  const memoryMb = overrides.memoryMb ?? Math.max(1024, Math.floor((machine.ramMb * 0.75) / Math.max(1, slots)));
  return {
    memoryBytes: memoryMb * MIB,
    processes: overrides.processes ?? Math.max(256, 8 * machine.cores),
    fileSizeBytes: (overrides.fileSizeMb ?? 2048) * MIB,
    tmpBytes: (overrides.tmpMb ?? 512) * MIB,
  };
}

export function describeLimits(limits: ResourceLimits): string {
  const mib = (bytes: number) => `${Math.round(bytes / MIB)} MiB`;
  return `memory ${mib(limits.memoryBytes)}, processes ${limits.processes}, files ${mib(limits.fileSizeBytes)}, /tmp ${mib(limits.tmpBytes)}`;
}
