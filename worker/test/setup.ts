// Runs in every test file: removes the temporary folders it created.
import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers/temp.ts';

afterAll(() => removeTempDirs());
