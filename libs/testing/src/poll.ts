/**
 * Polling instead of fixed sleeps: a loaded 2-core CI machine can take seconds for what takes milliseconds
 * on a laptop, so tests wait for the condition itself, with a generous bound, and never for a guessed time.
 */

/** Polls `condition` every `intervalMs` until it holds, or fails after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface Readiness<T = unknown> {
  status: number;
  body: T;
}

/**
 * GETs a readiness URL until `accept` takes the answer, and returns that answer. Each readiness check may
 * take up to its own timeout under load and then reports a timeout instead of its real result; polling
 * waits that out. After `timeoutMs` the last answer is returned, so the test's assertion shows it.
 */
export async function readinessWhen<T = unknown>(
  url: string,
  accept: (answer: Readiness<T>) => boolean,
  timeoutMs = 30_000,
): Promise<Readiness<T> & { headers: Headers }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url);
    const answer = { status: response.status, headers: response.headers, body: (await response.json()) as T };
    if (accept(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
