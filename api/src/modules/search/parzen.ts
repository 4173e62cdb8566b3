// Parzen estimators for TPE: a weighted mixture whose components are products, over the searched
// parameters, of one kernel each (a truncated normal for numbers, a smoothed categorical for
// choices), one component per observation plus a broad prior. Sampling and log densities are in the
// "internal" space: log(x) for loguniform, the index for a choice, the value itself otherwise.
import type { Prng } from '../campaigns/prng.ts';

export type Dimension =
  | { kind: 'numeric'; low: number; high: number; step: number | null }
  | { kind: 'categorical'; size: number };

const LOG_HALF = Math.log(0.5);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const MAX_REJECTIONS = 1000;

/** log erfc(x) for x >= 0, from the Chebyshev fit with fractional error below 1.2e-7 everywhere. */
function logErfcNonNegative(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + poly;
}

/** log Φ(z), the standard normal CDF, accurate far into the lower tail. */
export function logNormalCdf(z: number): number {
  if (z < 0) return LOG_HALF + logErfcNonNegative(-z / Math.SQRT2);
  return Math.log1p(-0.5 * Math.exp(logErfcNonNegative(z / Math.SQRT2)));
}

/** log(Φ(b) - Φ(a)) for a <= b, computed in the tail that keeps precision. */
export function logGaussMass(a: number, b: number): number {
  if (!(a < b)) return -Infinity;
  if (a >= 0) return logGaussMass(-b, -a); // mirror into the lower tail
  if (b <= 0) {
    const logB = logNormalCdf(b);
    return logB + Math.log1p(-Math.exp(logNormalCdf(a) - logB));
  }
  // a < 0 < b: the mass is 1 minus both tails
  return Math.log1p(-Math.exp(logNormalCdf(a)) - Math.exp(logNormalCdf(-b)));
}

function logSumExp(values: number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

function standardNormal(rng: Prng): number {
  // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const u = 1 - rng.nextFloat();
  const v = rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** TPE's default observation weights: the newest 25 count fully, older ones ramp down linearly. */
export function observationWeights(count: number): number[] {
  if (count < 25) return Array.from({ length: count }, () => 1);
  const rampLength = count - 25;
  const ramp = Array.from({ length: rampLength }, (_, i) =>
    rampLength === 1 ? 1 / count : 1 / count + (i * (1 - 1 / count)) / (rampLength - 1),
  );
  return [...ramp, ...Array.from({ length: 25 }, () => 1)];
}

/** Scott-style bandwidth of the multivariate TPE (as in BOHB and Optuna's multivariate mode). */
function bandwidthFactor(observations: number, dimensions: number): number {
  return 0.2 * Math.max(observations, 1) ** (-1 / (dimensions + 4));
}

interface NumericKernels {
  kind: 'numeric';
  low: number;
  high: number;
  step: number | null;
  mus: number[];
  sigmas: number[];
  /** log mass of each component's normal inside [low, high] (the truncation's normaliser). */
  logAccept: number[];
}

interface CategoricalKernels {
  kind: 'categorical';
  logProbabilities: number[][];
  probabilities: number[][];
}

export class ParzenEstimator {
  private readonly kernels: (NumericKernels | CategoricalKernels)[];
  private readonly logWeights: number[];
  private readonly weights: number[];

  /**
   * @param dimensions the searched parameters, in internal coordinates
   * @param observations one row per observation (internal values, one per dimension)
   * @param observationWeight the weight of each row before the prior is added
   * @param priorWeight weight of the prior component (uniform-ish over the whole space)
   */
  constructor(dimensions: Dimension[], observations: number[][], observationWeight: number[], priorWeight = 1) {
    const n = observations.length;
    const raw = [...observationWeight, priorWeight];
    const total = raw.reduce((a, b) => a + b, 0);
    this.weights = raw.map((w) => w / total);
    this.logWeights = this.weights.map((w) => Math.log(w));
    const factor = bandwidthFactor(n, dimensions.length);

    this.kernels = dimensions.map((dimension, d) => {
      if (dimension.kind === 'categorical') {
        const base = priorWeight / (n + 1);
        const rows = observations.map((row) => {
          const counts = Array.from({ length: dimension.size }, () => base);
          counts[row[d]!]! += 1;
          return counts;
        });
        rows.push(Array.from({ length: dimension.size }, () => base));
        const probabilities = rows.map((counts) => {
          const sum = counts.reduce((a, b) => a + b, 0);
          return counts.map((c) => c / sum);
        });
        return { kind: 'categorical', probabilities, logProbabilities: probabilities.map((p) => p.map(Math.log)) };
      }
      const { step } = dimension;
      const low = step === null ? dimension.low : dimension.low - step / 2;
      const high = step === null ? dimension.high : dimension.high + step / 2;
      const range = high - low;
      const minSigma = range / Math.min(100, n + 2); // Optuna's "magic clip": never narrower than this
      const mus = [...observations.map((row) => row[d]!), (low + high) / 2];
      const sigmas = mus.map((_, k) => (k === n ? range : Math.min(range, Math.max(minSigma, factor * range))));
      const logAccept = mus.map((mu, k) => logGaussMass((low - mu) / sigmas[k]!, (high - mu) / sigmas[k]!));
      return { kind: 'numeric', low, high, step, mus, sigmas, logAccept };
    });
  }

  /** `count` points drawn from the mixture: a component by weight, then each of its kernels. */
  sample(rng: Prng, count: number): number[][] {
    const points: number[][] = [];
    for (let i = 0; i < count; i++) {
      let u = rng.nextFloat();
      let component = this.weights.length - 1;
      for (let k = 0; k < this.weights.length; k++) {
        u -= this.weights[k]!;
        if (u < 0) {
          component = k;
          break;
        }
      }
      points.push(this.kernels.map((kernel) => sampleKernel(kernel, component, rng)));
    }
    return points;
  }

  /** log density (a log probability mass on discrete dimensions) of one internal point. */
  logPdf(point: number[]): number {
    const perComponent = this.logWeights.map((logWeight, k) => {
      let total = logWeight;
      this.kernels.forEach((kernel, d) => {
        total += logKernel(kernel, k, point[d]!);
      });
      return total;
    });
    return logSumExp(perComponent);
  }
}

function sampleKernel(kernel: NumericKernels | CategoricalKernels, component: number, rng: Prng): number {
  if (kernel.kind === 'categorical') {
    const row = kernel.probabilities[component]!;
    let u = rng.nextFloat();
    for (let index = 0; index < row.length; index++) {
      u -= row[index]!;
      if (u < 0) return index;
    }
    return row.length - 1;
  }
  const mu = kernel.mus[component]!;
  const sigma = kernel.sigmas[component]!;
  // mu lies inside [low, high] and sigma <= high - low, so at least a third of draws are accepted.
  let x = mu;
  for (let attempt = 0; attempt < MAX_REJECTIONS; attempt++) {
    const candidate = mu + sigma * standardNormal(rng);
    if (candidate >= kernel.low && candidate <= kernel.high) {
      x = candidate;
      break;
    }
  }
  return x;
}

function logKernel(kernel: NumericKernels | CategoricalKernels, component: number, x: number): number {
  if (kernel.kind === 'categorical') return kernel.logProbabilities[component]![x] ?? -Infinity;
  const mu = kernel.mus[component]!;
  const sigma = kernel.sigmas[component]!;
  if (kernel.step === null) {
    const z = (x - mu) / sigma;
    return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - kernel.logAccept[component]!;
  }
  const lower = Math.max(x - kernel.step / 2, kernel.low);
  const upper = Math.min(x + kernel.step / 2, kernel.high);
  return logGaussMass((lower - mu) / sigma, (upper - mu) / sigma) - kernel.logAccept[component]!;
}
