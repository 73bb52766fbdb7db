// Measures how long the event loop was blocked while an operation ran: the longest gap between
// the ticks of a 1 ms interval (a timer cannot fire while JavaScript runs), as a user of the
// process would feel it (every other request waits that long).

/** The operation's result and the longest event-loop block (ms) while it ran. */
export async function longestBlockDuring<T>(
  operation: () => Promise<T>,
): Promise<{ result: T; blockedMs: number }> {
  let longest = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    // A few ticks first, so the first gap measured is not the interval's start-up.
    await new Promise((resolve) => setTimeout(resolve, 5));
    longest = 0;
    last = performance.now();
    const result = await operation();
    // The last stretch of the operation, up to its promise settling, counts too.
    longest = Math.max(longest, performance.now() - last);
    return { result, blockedMs: longest };
  } finally {
    clearInterval(ticker);
  }
}
