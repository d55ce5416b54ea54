/*
 * A sidecar CLI (src/cli/main.ts through tsx) as a child process whose output lines are kept,
 * with a wait for a line that fails at a deadline or when the process exits first. Used by the
 * tests that SIGKILL the sidecar.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface CliProcess {
  readonly child: ChildProcess;
  /** Every stdout and stderr line so far. */
  readonly lines: string[];
  readonly exit: Promise<number | null>;
  waitFor(re: RegExp, ms: number): Promise<void>;
}

export function spawnCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const watchers: { re: RegExp; resolve: () => void }[] = [];
  const onData = (b: Buffer): void => {
    for (const l of b.toString('utf8').split('\n')) {
      if (!l) continue;
      lines.push(l);
      for (const w of watchers) if (w.re.test(l)) w.resolve();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exit,
    waitFor(re, ms) {
      if (lines.some((l) => re.test(l))) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms:\n${lines.slice(-20).join('\n')}`)), ms);
        watchers.push({ re, resolve: () => (clearTimeout(t), resolve()) });
        void exit.then((code) => {
          clearTimeout(t);
          reject(new Error(`the sidecar exited (${code}) before ${re}:\n${lines.slice(-20).join('\n')}`));
        });
      });
    },
  };
}
