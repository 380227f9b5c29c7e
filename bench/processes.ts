import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RunningProcess {
  child: ChildProcess;
  pid: number;
  stop: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts `node script` and keeps its stderr, so that a process that dies says why. */
export function startNode(
  script: string,
  env: Record<string, string | undefined>,
  stdout: 'ignore' | 'pipe',
  nodeArgs: string[] = [],
): RunningProcess & { stderr(): string } {
  return startProcess(process.execPath, [...nodeArgs, script], env, stdout);
}

/** Starts `command args` and keeps its stderr, so that a process that dies says why. */
export function startProcess(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  stdout: 'ignore' | 'pipe',
): RunningProcess & { stderr(): string } {
  const child = spawn(command, args, {
    env,
    stdio: ['ignore', stdout, 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping)
        process.stderr.write(
          `bench: ${[command, ...args].join(' ')} ended (${code ?? signal}): ${stderr}\n`,
        );
      resolve();
    }),
  );
  return {
    child,
    pid: child.pid!,
    stderr: () => stderr,
    stop: async () => {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The first line a child prints on stdout. */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`process exited with ${code} before printing`)));
  });
}

export async function waitUntilReady(url: string, process: { stderr(): string }): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not become ready: ${process.stderr()}`);
}
