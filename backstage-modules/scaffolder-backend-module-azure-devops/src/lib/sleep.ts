/**
 * Waits `ms` milliseconds. With a `signal` (the scaffolder task's), stops waiting when it
 * aborts and rejects with `new Error(abortMessage)`.
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  abortMessage = 'The task was cancelled.',
): Promise<void> {
  if (signal?.aborted) return Promise.reject(new Error(abortMessage));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error(abortMessage));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
