/**
 * A page's walk-through as a script: the README's and each guide's fenced `bash` blocks, in
 * order, and the answers their comments promise. A shell block that cannot run here (a proxy that
 * is not installed, a container build, a benchmark of minutes) is fenced as `bash untested`, and
 * its page says so in the prose right above it.
 *
 * An answer is the comment at the end of a command, or the comment lines right below it (no blank
 * line between), for answers of several lines; `…` stands for anything. A comment that follows a
 * blank line is prose. Assignments (`NAME=$(curl …)`) print nothing: their comments show the
 * answer the variable is taken from, and are not checked.
 */

/** The info string of a shell block that is shown but not run. */
export const UNTESTED = 'bash untested';

export interface Fence {
  /** What follows the opening backticks: the language, and for a shell block maybe `untested`. */
  info: string;
  code: string;
  /** Line of the page (1-based) where the block opens. */
  line: number;
}

/** Every fenced block of a Markdown page, in order. */
export function fencesOf(markdown: string): Fence[] {
  return [...markdown.matchAll(/^```([^\n`]*)\n([\s\S]*?)^```$/gm)].map((match) => ({
    info: match[1].trim(),
    code: match[2],
    line: markdown.slice(0, match.index).split('\n').length,
  }));
}

/** A block in a shell's language, run or marked untested. */
export function isShell(fence: Fence): boolean {
  return /^(bash|sh|shell|console|zsh)\b/.test(fence.info);
}

/** The `bash` blocks of a page, concatenated in order: the script the harness runs. */
export function extractScript(markdown: string): string {
  return fencesOf(markdown)
    .filter((fence) => fence.info === 'bash')
    .map((fence) => fence.code)
    .join('\n');
}
export interface Command {
  /** Line of the script (1-based) where the command starts. */
  line: number;
  code: string;
  /** What it prints, one entry per line; empty when it prints nothing or is an assignment. */
  answer: string[];
}

/** The commands of the script with the answers their comments show. */
export function commandsOf(script: string): Command[] {
  const lines = script.split('\n');
  const commands: Command[] = [];
  let last: (Command & { assignment: boolean }) | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    if (line.trim() === '') {
      last = undefined;
      continue;
    }
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (comment) {
      if (last && !last.assignment) last.answer.push(comment[1]);
      continue;
    }
    const start = index;
    let code = line;
    while (code.endsWith('\\') && index + 1 < lines.length) {
      index += 1;
      code = `${code.slice(0, -1)}\n${lines[index]}`;
    }
    const trailing = /\s#\s(.*)$/.exec(lines[index]);
    if (trailing) code = code.slice(0, code.length - trailing[0].length);
    const assignment = /^[A-Za-z_][A-Za-z0-9_]*=/.test(code);
    last = {
      line: start + 1,
      code,
      answer: trailing && !assignment ? [trailing[1]] : [],
      assignment,
    };
    commands.push(last);
  }
  return commands.map(({ line, code, answer }) => ({ line, code, answer }));
}

/** An answer line as a pattern over a whole printed line, `…` matching anything. */
export function answerPattern(answer: string): RegExp {
  const parts = answer.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*?')}$`);
}

/**
 * The first difference between what the commands print and what their comments say, or undefined
 * when every printed line is the answer promised at its place.
 */
export function firstMismatch(commands: Command[], stdout: string): string | undefined {
  const printed = stdout.split('\n');
  if (printed.at(-1) === '') printed.pop();
  let next = 0;
  for (const command of commands) {
    for (const answer of command.answer) {
      const actual = printed[next];
      if (actual === undefined || !answerPattern(answer).test(actual)) {
        return [
          `line ${command.line} of the script: ${command.code.split('\n')[0]}`,
          `  the page says: ${answer}`,
          `  it printed:  ${actual ?? '(nothing more)'}`,
        ].join('\n');
      }
      next += 1;
    }
  }
  if (next < printed.length) {
    return `the script printed more than its comments say, from: ${printed[next]}`;
  }
  return undefined;
}
