import { vi } from 'vitest';
import { Clock } from '../../src/clock/clock.service.js';
import type { TestApp } from './app.js';

export interface TestClock {
  /** Moves the app's time forward, as waiting would, at once. */
  advance(ms: number): void;
  /** The app's current time in milliseconds. */
  nowMs(): number;
}

/** Takes over the app's one Clock, so that a test moves time instead of sleeping through it. */
export function controlClock(t: TestApp): TestClock {
  let offset = 0;
  vi.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(Date.now() + offset));
  return {
    advance: (ms) => {
      offset += ms;
    },
    nowMs: () => Date.now() + offset,
  };
}
