// The clock port, its system implementation and the timers built on it (the manual fake is memory/clock.ts).

export type { CancelTimer, Clock } from './port';
export { backgroundClock, systemClock } from './system-clock';
export type { SystemClockOptions } from './system-clock';
export { every, OneTimer } from './timers';
