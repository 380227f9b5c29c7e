import { vi } from 'vitest';
import { Clock } from '../../src/clock/clock.service.js';
import type { TestApp } from './app.js';

export interface TestClock {
  /** Moves the app's time forward, as waiting would, at once. */
  advance(ms: number): void;
  /** The app's current time in milliseconds. */
  nowMs(): number;
  /** Gives the app its real clock back. */
  restore(): void;
}

/** Takes over the app's one Clock, so that a test moves time instead of sleeping through it. */
export function controlClock(t: TestApp): TestClock {
  let offset = 0;
  const spy = vi.spyOn(t.app.get(Clock), 'now');
  spy.mockImplementation(() => new Date(Date.now() + offset));
  return {
    advance: (ms) => {
      offset += ms;
    },
    nowMs: () => Date.now() + offset,
    restore: () => spy.mockRestore(),
  };
}
