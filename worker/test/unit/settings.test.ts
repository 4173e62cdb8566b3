import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { taskEnvironment } from '../../src/python/task-env.ts';
import { loadSettings, SettingsError } from '../../src/settings.ts';

describe('loadSettings', () => {
  it('follows the XDG base directories, with the usual fallbacks', () => {
    const settings = loadSettings({ HOME: '/home/ada', XDG_CONFIG_HOME: '/cfg', PATH: '/usr/bin' });
    expect(settings.configDir).toBe('/cfg/xeenet');
    expect(settings.cacheDir).toBe('/home/ada/.cache/xeenet');
    expect(settings.dataDir).toBe('/home/ada/.local/share/xeenet');
    expect(settings.stateDir).toBe('/home/ada/.local/state/xeenet');
  });

  it('puts everything under XEENET_WORKER_HOME or --home; --config-dir wins for the token', () => {
    const fromEnv = loadSettings({ HOME: '/home/ada', XEENET_WORKER_HOME: '/srv/w' });
    expect([fromEnv.configDir, fromEnv.cacheDir, fromEnv.dataDir, fromEnv.stateDir]).toEqual(['/srv/w/config', '/srv/w/cache', '/srv/w/data', '/srv/w/state']);
    const fromFlags = loadSettings({ HOME: '/home/ada', XEENET_WORKER_HOME: '/srv/w' }, { home: '/tmp/h', configDir: '/etc/x' });
    expect(fromFlags.configDir).toBe('/etc/x');
    expect(fromFlags.stateDir).toBe(path.join('/tmp/h', 'state'));
  });

  it('arms the parent-death signal unless a test turns it off with XEENET_TEST_NO_PDEATHSIG=1', () => {
    expect(loadSettings({}).parentDeathSignal).toBe(true);
    expect(loadSettings({ XEENET_TEST_NO_PDEATHSIG: '1' }).parentDeathSignal).toBe(false);
  });

  it('rejects unknown log formats', () => {
    expect(() => loadSettings({ XEENET_LOG_FORMAT: 'xml' })).toThrow(SettingsError);
  });
});

describe('taskEnvironment', () => {
  it('passes only allow-listed variables; no token or XEENET_* reaches a training script', () => {
    const settings = loadSettings({
      HOME: '/home/ada',
      PATH: '/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      CUDA_VISIBLE_DEVICES: '1',
      XEENET_TOKEN: 'xn_secret_account_token',
      XEENET_PYTHON: '/usr/bin/python3',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      GITHUB_TOKEN: 'ghp_secret',
      SSH_AUTH_SOCK: '/tmp/ssh.sock',
    });
    const env = taskEnvironment({ passthrough: settings.passthroughEnv, workDir: '/w/run1', threads: 2 });
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      CUDA_VISIBLE_DEVICES: '1',
      HOME: '/w/run1',
      TMPDIR: '/w/run1/tmp',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONHASHSEED: '0',
      PYTHONIOENCODING: 'utf-8',
      OMP_NUM_THREADS: '2',
      MKL_NUM_THREADS: '2',
      OPENBLAS_NUM_THREADS: '2',
    });
  });

  it('defaults the locale and leaves thread counts to the script with one slot', () => {
    const env = taskEnvironment({ passthrough: {}, workDir: '/w', pythonUserBase: '/home/ada/.local' });
    expect(env.LANG).toBe('C.UTF-8');
    expect(env.PYTHONUSERBASE).toBe('/home/ada/.local');
    expect(env.OMP_NUM_THREADS).toBeUndefined();
  });
});
