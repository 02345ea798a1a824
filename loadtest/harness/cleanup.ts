/**
 * Everything a run started, undone in reverse order: on a normal end, on an error,
 * and on Ctrl-C or SIGTERM, so no node, port or scratch database outlives the run.
 */
const steps: Array<{ what: string; undo: () => Promise<unknown> }> = [];
let running: Promise<void> | undefined;
let interruptedBy: string | undefined;

/** The signal that interrupted the run, if one did: failures after it are the interruption's, not errors. */
export function interruption(): string | undefined {
  return interruptedBy;
}

export function onCleanup(what: string, undo: () => Promise<unknown>): void {
  steps.push({ what, undo });
}

export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop()!;
      try {
        await step.undo();
      } catch (error) {
        process.stderr.write(`cleanup of ${step.what} failed: ${(error as Error).message}\n`);
      }
    }
  })();
  return running;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interruptedBy = signal;
    process.stderr.write(`\n${signal}: stopping what this run started\n`);
    void cleanupAll().then(() => process.exit(130));
  });
}
