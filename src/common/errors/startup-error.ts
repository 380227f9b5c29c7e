/**
 * A reason the server cannot start whose message says it all, naming the setting to change:
 * main.ts prints the message as the one line of a failed start, with no stack trace, and the log
 * does not repeat it.
 */
export class StartupError extends Error {}
