export * from './decide.ts';
export * from './gate.ts';
export * from './preferences.ts';
export * from './signals.ts';
export * from './store.ts';
export * from './usage.ts';
