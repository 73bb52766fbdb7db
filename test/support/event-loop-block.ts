// Measures how long an operation blocked the event loop: the gaps between the ticks of a 1 ms
// interval (a timer cannot fire while JavaScript runs). Each gap is measured twice: in wall time,
// and in CPU time of the main thread (Linux: /proc/self/task/<pid>/stat, 10 ms resolution). On a
// machine shared with other busy processes, the OS lets others run in the middle of a block, so
// the wall time of a 30 ms block can read 100 ms or more; the CPU time is the work the operation
// itself made the event loop do, whatever else runs on the machine.
import { readFileSync } from 'node:fs';

export interface EventLoopBlock {
  /** The longest gap between two ticks, in wall time (ms). */
  wallMs: number;
  /** The most main-thread CPU time spent within one gap (ms); wall time where /proc is absent. */
  cpuMs: number;
}

const STAT = `/proc/self/task/${process.pid}/stat`;
const TICK_MS = 10; // USER_HZ = 100 on Linux

/** The main thread's CPU time so far (user + system, ms), or undefined without /proc. */
function mainThreadCpuMs(): number | undefined {
  try {
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the
    // 14th field of the line, stime the 15th.
    const stat = readFileSync(STAT, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** The operation's result and the longest event-loop block while it ran. */
export async function longestBlockDuring<T>(
  operation: () => Promise<T>,
): Promise<{ result: T; block: EventLoopBlock }> {
  const block: EventLoopBlock = { wallMs: 0, cpuMs: 0 };
  let lastWall = performance.now();
  let lastCpu = mainThreadCpuMs();
  const gapEnds = () => {
    const wall = performance.now();
    const cpu = mainThreadCpuMs();
    block.wallMs = Math.max(block.wallMs, wall - lastWall);
    const cpuMs = cpu === undefined || lastCpu === undefined ? wall - lastWall : cpu - lastCpu;
    block.cpuMs = Math.max(block.cpuMs, cpuMs);
    lastWall = wall;
    lastCpu = cpu;
  };
  const ticker = setInterval(gapEnds, 1);
  try {
    // A few ticks first, so the first gap measured is not the interval's start-up.
    await new Promise((resolve) => setTimeout(resolve, 5));
    block.wallMs = block.cpuMs = 0;
    lastWall = performance.now();
    lastCpu = mainThreadCpuMs();
    const result = await operation();
    // The last stretch of the operation, up to its promise settling, counts too.
    gapEnds();
    return { result, block };
  } finally {
    clearInterval(ticker);
  }
}
