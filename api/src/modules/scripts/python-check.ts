// Does an uploaded script parse as Python? Asked of a real interpreter (ast.parse in a
// subprocess, source on stdin, nothing executed), with a timeout; without Python the check says so.
import { spawn } from 'node:child_process';

export type ParseCheck = { ok: boolean | null; detail: string };

const PROGRAM = [
  'import ast, sys',
  'source = sys.stdin.buffer.read().decode("utf-8")',
  'try:',
  '    ast.parse(source, filename="script.py")',
  'except SyntaxError as error:',
  '    print(f"line {error.lineno}: {error.msg}")',
  '    sys.exit(3)',
  'print("ok")',
].join('\n');

export function checkPythonParses(python: string, source: Buffer, timeoutMs = 10_000): Promise<ParseCheck> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(python, ['-I', '-S', '-c', PROGRAM], { stdio: ['pipe', 'pipe', 'pipe'], env: {}, timeout: timeoutMs });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stdin.on('error', () => {});
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: null, detail: `not checked: no Python at ${python} (${error.code ?? error.message}); set XEENET_PYTHON` }),
    );
    child.on('close', (code, signal) => {
      const text = output.trim().slice(0, 500);
      if (signal) resolve({ ok: null, detail: `not checked: the parser was stopped (${signal}) after ${timeoutMs} ms` });
      else if (code === 0) resolve({ ok: true, detail: 'parses as Python (ast.parse)' });
      else if (code === 3) resolve({ ok: false, detail: `does not parse as Python: ${text}` });
      else resolve({ ok: null, detail: `not checked: the parser exited with ${code}: ${text}` });
    });
    child.stdin.end(source);
  });
}
