/** What `build` sends the build process: componentize-js options, all plain data. */
export interface ComponentizeJob {
  sourcePath: string;
  witPath: string;
  worldName: string;
  disableFeatures: ('stdio' | 'random' | 'clocks' | 'http' | 'fetch-event')[];
}

/** The one answer of the build process. */
export type ComponentizeAnswer = { component: Uint8Array } | { error: string };

/**
 * componentize-js in a child process: it holds its thread for most of a build (the engine splicing runs
 * synchronously and wizer through spawnSync, which also needs real stdio, so no worker thread), and
 * extctl's own thread must stay free to show progress.
 */
process.once('message', (job: ComponentizeJob) => {
  void build(job).then((answer) => process.send?.(answer, () => process.exit(0)));
});

async function build(job: ComponentizeJob): Promise<ComponentizeAnswer> {
  try {
    // Loaded here only: it is large, and only this command needs it.
    const { componentize } = await import('@bytecodealliance/componentize-js');
    const { component } = await componentize(job);
    return { component };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
