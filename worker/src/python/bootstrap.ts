// The Python program every task process starts with: `python -c BOOTSTRAP_SOURCE <options JSON>`,
// inside the sandbox or not. It is a guard (it leads the task's process group and only watches it)
// and, in a child it forks, the warm interpreter, which forks the script's process at the handoff:
//
//   guard  1. as root in a sandbox: drops to the task's own uid and gid for good
//          2. sets the resource limits, soft = hard (a lowered hard limit cannot be raised again)
//          3. arms PR_SET_PDEATHSIG when the worker is its parent (unsandboxed Linux)
//          4. forks the child, then reads the control channel (fd 0) from the worker:
//             {"go": {config}} is passed to the child; {"signal": "TERM"} sends SIGTERM to the group
//             (the guard ignores it); end of file means the worker is gone: SIGKILL to the group
//          5. reports the child's exit on the event channel (fd 3) and exits the same way
//   warm   1. sets what BLAS and OpenMP read when torch loads (OMP_NUM_THREADS,
//             OPENBLAS_NUM_THREADS, MKL_NUM_THREADS = the task's threads; OMP_WAIT_POLICY=PASSIVE),
//             then imports the preload modules (torch) — nothing of the script runs before the handoff
//          2. reports {"event": "ready"} and blocks until the guard passes the go message; if the
//             guard goes away first (the task was released or never started) it exits quietly
//          3. the handoff: forks the script's process (torch already imported) and waits for it,
//             ignoring SIGTERM, then exits the same way; it serves no second task
//   script 1. sets os.environ["XEENET_BUDGET_CLOCK_START"] = repr(time.monotonic()) in its own
//             process, writes the config it was handed to the config path, reports
//             {"event": "started"}, and runs the script with runpy as __main__, with the argv and
//             sys.path[0] of `python3 script.py config.json`
//          2. on the way out: joins non-daemon threads, runs atexit handlers, flushes, and exits
//             with the script's status without the interpreter's module teardown (which, in a
//             process forked with torch loaded, took 1–2 s: every freed object copies a page)
//
// Options: worker_pid (the expected parent, 0 in a sandbox), prctl (arm PR_SET_PDEATHSIG), user
// ({uid, gid} or null), cwd, limits ({data, fsize, nproc, nproc_outside}), threads, preload
// ([module names]), script and config (paths as the process sees them).
export const BUDGET_CLOCK_VARIABLE = 'XEENET_BUDGET_CLOCK_START';
export const EVENTS_FD = 3;

export const BOOTSTRAP_SOURCE = `
import json, os, signal, sys, threading, time
def _xeenet_emit(event):
    try:
        os.write(3, (json.dumps(event) + "\\n").encode())
    except OSError:
        pass
def _xeenet_limits(spec):
    import resource
    applied = {}
    def cap(name, value):
        res = getattr(resource, name, None)
        if value is None or res is None:
            return
        hard = resource.getrlimit(res)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        try:
            resource.setrlimit(res, (value, value))
            applied[name] = value
        except (ValueError, OSError) as exc:
            applied[name] = "not set: %s" % exc
    def own_tasks():
        # RLIMIT_NPROC counts processes and threads of the real uid where the limit is counted.
        uid, count = os.getuid(), 0
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open("/proc/%s/status" % name) as handle:
                    fields = dict(line.split(":", 1) for line in handle if ":" in line)
                if int(fields["Uid"].split()[0]) == uid:
                    count += int(fields["Threads"])
            except (OSError, KeyError, ValueError):
                pass
        return count
    cap("RLIMIT_CORE", 0)
    cap("RLIMIT_DATA", spec.get("data"))
    cap("RLIMIT_FSIZE", spec.get("fsize"))
    if spec.get("nproc") is not None and os.path.isdir("/proc/self"):
        cap("RLIMIT_NPROC", own_tasks() + spec.get("nproc_outside", 0) + spec["nproc"])
    return applied
def _xeenet_exit_like(status, report):
    # Ends this process the way the child whose wait status this is ended (code or signal).
    if os.WIFSIGNALED(status):
        code = os.WTERMSIG(status)
        if report:
            _xeenet_emit({"event": "exit", "signal": code})
        try:
            signal.signal(code, signal.SIG_DFL)
        except (OSError, ValueError, RuntimeError):
            pass
        os.kill(os.getpid(), code)
        os._exit(128 + code)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1
    if report:
        _xeenet_emit({"event": "exit", "code": code})
    os._exit(code)
def _xeenet_guard(opts):
    def kill_group(*_):
        try:
            os.killpg(os.getpgrp(), signal.SIGKILL)
        finally:
            os._exit(137)
    user = opts.get("user")
    if user:
        os.setgroups([])
        os.setresgid(user["gid"], user["gid"], user["gid"])
        os.setresuid(user["uid"], user["uid"], user["uid"])
    os.chdir(opts["cwd"])
    os.environ.pop("PWD", None)  # bwrap sets it; the script gets the allow-listed environment only
    libc = None
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
        except Exception as exc:
            sys.stderr.write("xeenet bootstrap: no libc for prctl: %s\\n" % exc)
    if libc is not None and opts.get("prctl"):
        signal.signal(signal.SIGUSR1, kill_group)
        if libc.prctl(1, int(signal.SIGUSR1), 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
            sys.stderr.write("xeenet bootstrap: prctl(PR_SET_PDEATHSIG) failed, errno %d\\n" % ctypes.get_errno())
    worker = opts.get("worker_pid") or 0
    if worker and os.getppid() != worker:
        kill_group()
    applied = _xeenet_limits(opts.get("limits") or {})
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    go_read, go_write = os.pipe()
    guard = os.getpid()
    child = os.fork()
    if child == 0:
        os.close(go_write)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGUSR1, signal.SIG_DFL)
        if libc is not None:
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # die with the guard
        if os.getppid() != guard:
            os._exit(137)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        return go_read, applied, libc
    os.close(go_read)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    def control():
        pending = b""
        while True:
            try:
                chunk = os.read(0, 65536)
            except InterruptedError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                kill_group()
            pending += chunk
            while b"\\n" in pending:
                line, pending = pending.split(b"\\n", 1)
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if "go" in message:
                    os.write(go_write, line + b"\\n")
                elif message.get("signal") == "TERM":
                    os.killpg(os.getpgrp(), signal.SIGTERM)
    threading.Thread(target=control, name="xeenet-control", daemon=True).start()
    _xeenet_exit_like(os.waitpid(child, 0)[1], True)
def _xeenet_warm(opts, go_read, applied, libc):
    # Read by BLAS and OpenMP when torch loads, so set here, before the preload: a script can no
    # longer. PASSIVE: idle OpenMP workers sleep instead of starving OpenBLAS's.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, str(opts["threads"]))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    started = time.monotonic()
    failed = None
    for name in opts.get("preload") or []:
        try:
            __import__(name)
        except Exception as exc:
            failed = "%s: %s" % (type(exc).__name__, exc)
    _xeenet_emit({"event": "ready", "preload_s": round(time.monotonic() - started, 4), "preload_error": failed, "limits": applied})
    data = b""
    while not data.endswith(b"\\n"):
        try:
            chunk = os.read(go_read, 65536)
        except InterruptedError:
            continue
        if not chunk:
            os._exit(0)
        data += chunk
    os.close(go_read)
    # The handoff. The script's process is born now, so however a script times itself (this
    # clock, or its own process's age), the warm wait never counts against its budget.
    import warnings
    warnings.filterwarnings("ignore", message=".*fork", category=DeprecationWarning)
    script = os.fork()
    if script:
        os.close(3)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _xeenet_exit_like(os.waitpid(script, 0)[1], False)
    clock = time.monotonic()
    os.environ["${BUDGET_CLOCK_VARIABLE}"] = repr(clock)
    if libc is not None:
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # die with the interpreter that forked it
    with open(opts["config"], "w") as handle:
        json.dump(json.loads(data)["go"], handle)
        handle.write("\\n")
    _xeenet_emit({"event": "started", "clock": clock})
    os.close(3)
_xeenet_opts = json.loads(sys.argv[1])
_xeenet_warm(_xeenet_opts, *_xeenet_guard(_xeenet_opts))
_script = _xeenet_opts["script"]
sys.argv = [_script, _xeenet_opts["config"]]
sys.path[0] = os.path.dirname(_script)
del _xeenet_emit, _xeenet_limits, _xeenet_guard, _xeenet_warm, _xeenet_opts
import atexit, runpy
try:
    runpy.run_path(_script, run_name="__main__")
    _code = 0
except SystemExit as _exc:
    _code = _exc.code if isinstance(_exc.code, int) else 0 if _exc.code is None else 1
    if not isinstance(_exc.code, int) and _exc.code is not None:
        sys.stderr.write("%s\\n" % (_exc.code,))
except BaseException:
    sys.excepthook(*sys.exc_info())
    _code = 1
# What the interpreter does on its way out, without tearing every module down: in a process forked
# with torch loaded that alone took 1-2 s (each freed object copies a page it shares with its parent).
getattr(threading, "_shutdown", lambda: None)()
atexit._run_exitfuncs()
for _stream in (sys.stdout, sys.stderr):
    try:
        _stream.flush()
    except Exception:
        pass
os._exit(_code & 0xFF)
`;

export interface BootstrapOptions {
  worker_pid: number;
  prctl: boolean;
  user: { uid: number; gid: number } | null;
  cwd: string;
  limits: { data: number | null; fsize: number | null; nproc: number | null; nproc_outside: number };
  /** CPU threads for BLAS/OpenMP, set before the preload. */
  threads: number;
  preload: string[];
  script: string;
  config: string;
}
