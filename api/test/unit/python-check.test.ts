import { describe, expect, it } from 'vitest';
import { checkPythonParses } from '../../src/modules/scripts/python-check.ts';

// The machine's Python (the worker needs one too); the check is asked of a real interpreter.
const PYTHON = '/usr/bin/python3';

describe('the parse check of an uploaded script', () => {
  it('accepts Python that parses, without running it', async () => {
    const check = await checkPythonParses(PYTHON, Buffer.from('import os\nos._exit(7)\nprint("never run")\n'));
    expect(check).toEqual({ ok: true, detail: 'parses as Python (ast.parse)' });
  });

  it('names the line of a syntax error', async () => {
    const check = await checkPythonParses(PYTHON, Buffer.from('x = 1\ndef f(:\n  pass\n'));
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/^does not parse as Python: line 2: /);
  });

  it('says so when there is no Python to ask', async () => {
    const check = await checkPythonParses('/nonexistent/python3', Buffer.from('x = 1\n'));
    expect(check).toMatchObject({ ok: null, detail: expect.stringContaining('not checked: no Python at /nonexistent/python3 (ENOENT)') });
  });
});
