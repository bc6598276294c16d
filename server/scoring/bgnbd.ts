/*
 * BG/NBD (Fader, Hardie & Lee 2005) from fitted parameters: expected repeat transactions in the next t and the
 * probability the customer is still "alive". Parameters are fitted by models/bgnbd.py (scipy, maximum likelihood).
 * All times share the unit the parameters were fitted in (we use weeks).
 */

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** x = repeat transactions, tx = time of the last purchase since the first, T = time since the first purchase. */
export interface Rfm {
  x: number;
  tx: number;
  T: number;
}

/**
 * Gauss hypergeometric 2F1(a, b; c; z) for 0 ≤ z < 1 by its power series, as mantissa · e^logScale (terms may
 * grow a lot before they shrink when a, b are large; c = a + b + x − 1 can be negative for small fitted a, b,
 * which makes early terms change sign). c must not be a non-positive integer.
 */
export function hyp2f1Scaled(a: number, b: number, c: number, z: number): { mantissa: number; logScale: number } {
  if (!(z >= 0 && z < 1)) throw new RangeError(`2F1 series needs 0 ≤ z < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  let logScale = 0;
  for (let n = 0; n < 1_000_000; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (Math.abs(sum) > 1e250) {
      sum /= 1e250;
      term /= 1e250;
      logScale += 250 * Math.LN10;
    }
    // stop once terms are negligible and shrinking for good (past the sign changes)
    if (Math.abs(term) <= Math.abs(sum) * 1e-17 && c + n > 0 && Math.abs((a + n) * (b + n) * z) < Math.abs((c + n) * (n + 1))) break;
  }
  return { mantissa: sum, logScale };
}

/** log 2F1 where the series sum is positive (the closed-form checks use it). */
export function logHyp2f1(a: number, b: number, c: number, z: number): number {
  const h = hyp2f1Scaled(a, b, c, z);
  return Math.log(h.mantissa) + h.logScale;
}

function logRatioTerm(p: BgNbdParams, { x, tx, T }: Rfm): number {
  // log of a/(b+x−1) · ((α+T)/(α+t_x))^(r+x); only for x > 0
  return Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + tx));
}

export function probabilityAlive(p: BgNbdParams, rfm: Rfm): number {
  if (rfm.x <= 0) return 1;
  return 1 / (1 + Math.exp(logRatioTerm(p, rfm)));
}

/** E[X(t) | x, t_x, T]: expected repeat transactions in the next t. */
export function conditionalExpectedTransactions(p: BgNbdParams, t: number, rfm: Rfm): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  const { x, T } = rfm;
  const z = t / (alpha + T + t);
  const logPow = (r + x) * (Math.log(alpha + T) - Math.log(alpha + T + t));
  const h = hyp2f1Scaled(r + x, b + x, a + b + x - 1, z);
  const inner = 1 - h.mantissa * Math.exp(logPow + h.logScale);
  const head = (a + b + x - 1) / (a - 1);
  const denom = x > 0 ? 1 + Math.exp(logRatioTerm(p, rfm)) : 1;
  return (head * inner) / denom;
}

export function isBgNbdParams(v: unknown): v is BgNbdParams {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return ['r', 'alpha', 'a', 'b'].every((k) => typeof o[k] === 'number' && Number.isFinite(o[k]) && (o[k] as number) > 0);
}

/**
 * P(at least one repeat transaction in the next t | x, t_x, T). Given alive, λ's posterior is
 * Gamma(r + x, α + T), and dropout only follows a purchase, so P(none in t | alive) = ((α+T)/(α+T+t))^(r+x).
 */
export function probabilityAnyPurchase(p: BgNbdParams, t: number, rfm: Rfm): number {
  if (t <= 0) return 0;
  const none = Math.exp((p.r + rfm.x) * (Math.log(p.alpha + rfm.T) - Math.log(p.alpha + rfm.T + t)));
  return probabilityAlive(p, rfm) * (1 - none);
}
