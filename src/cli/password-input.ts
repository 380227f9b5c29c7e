import { createInterface } from 'node:readline';

const ENTER = new Set(['\r', '\n']);
const END_OF_INPUT = '\u0004';
const INTERRUPT = '\u0003';
const ERASE = new Set(['\u007f', '\b']);

/**
 * A new password from standard input, never from the command line, where `ps` and the shell's
 * history would show it: on a terminal, typed twice at a prompt (on stderr) that echoes nothing;
 * from a pipe, its first line without the line break. Null when the input holds none.
 */
export async function readNewPassword(username: string): Promise<string | null> {
  if (!process.stdin.isTTY) return firstLine();
  const password = await typedUnseen(`New password for ${username}: `);
  if (!password) return null;
  if ((await typedUnseen('Type it again: ')) !== password) {
    throw new Error('The two passwords differ; nothing was changed');
  }
  return password;
}

async function firstLine(): Promise<string | null> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line === '' ? null : line;
    return null;
  } finally {
    lines.close();
  }
}

/** One line typed at the terminal with the echo off (raw mode), up to Enter. */
function typedUnseen(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const finish = (settle: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      settle();
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (ENTER.has(character) || character === END_OF_INPUT) {
          return finish(() => resolve(typed.join('')));
        }
        // Raw mode turns Ctrl-C into a character: it still means stop.
        if (character === INTERRUPT) {
          return finish(() => reject(new Error('Interrupted; nothing was changed')));
        }
        typed = ERASE.has(character) ? typed.slice(0, -1) : [...typed, character];
      }
    };
    input.on('data', onData);
  });
}
