/**
 * Runs `work` over an async stream with at most `limit` items in flight, in stream order of start.
 * Stops taking new items once `signal` is aborted (items already started finish). The first error
 * of `work` stops the walk and is thrown after the items in flight have settled.
 */
export async function forEachConcurrent<T>(
  items: AsyncIterable<T> | Iterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (signal?.aborted || failure) break;
    const task: Promise<void> = work(item).then(
      () => void inFlight.delete(task),
      (error: unknown) => {
        inFlight.delete(task);
        failure ??= { error };
      },
    );
    inFlight.add(task);
    if (inFlight.size >= Math.max(1, limit)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
}
