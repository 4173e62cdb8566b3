// jsdom lacks layout: give components the browser APIs they touch, with honest minimal behaviour.
import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

// jsdom has no layout: every box is 0×0, so a virtualised list would show nothing. Boxes that set
// an explicit pixel height (the task table's scroll viewport) report that height and a laptop width.
const zeroRect = Element.prototype.getBoundingClientRect;
Element.prototype.getBoundingClientRect = function getBoundingClientRect(this: Element) {
  const height = this instanceof HTMLElement ? Number.parseFloat(this.style.height) : Number.NaN;
  if (!Number.isFinite(height)) return zeroRect.call(this);
  return { x: 0, y: 0, top: 0, left: 0, width: 1024, height, right: 1024, bottom: height, toJSON: () => ({}) } as DOMRect;
};
for (const property of ['offsetHeight', 'clientHeight'] as const) {
  Object.defineProperty(HTMLElement.prototype, property, {
    configurable: true,
    get(this: HTMLElement) {
      const height = Number.parseFloat(this.style.height);
      return Number.isFinite(height) ? height : 0;
    },
  });
}
