// XFetch (Vattani, Chierichetti, Lowenstein, "Optimal Probabilistic Cache Stampede Prevention",
// VLDB 2015): recompute early when  now - delta * beta * ln(rand) >= expiry,  so the chance grows
// as expiry nears and a slow factory (large delta) starts earlier. One draw per hit, no state.

/** True when this hit should start a background recomputation. `random` is in (0, 1]. */
export function shouldRecomputeEarly(
  now: number,
  freshUntil: number,
  deltaMs: number,
  beta: number,
  random: number = 1 - Math.random(),
): boolean {
  return now - deltaMs * beta * Math.log(random) >= freshUntil;
}
