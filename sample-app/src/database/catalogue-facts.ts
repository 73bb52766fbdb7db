// What the seeded catalogue is made of, shared by the seed (which writes it) and the load
// generator (which must ask for products, categories and brands that exist), plus the seeded
// random generator and the popularity law both use, so that every run sees the same shop, the
// same best sellers and the same traffic.

export const PRODUCT_COUNT = 10_000;
/** Past orders seeded with their lines (1-4 products each): what recommendations count over. */
export const SEEDED_ORDERS = 40_000;
/** Reviews seeded (ratings 1-5), spread over products by popularity: ~20 per product on average. */
export const SEEDED_REVIEWS = 200_000;
/**
 * Bumped whenever the seeded data changes shape: a database seeded by an older version of the
 * shop is dropped and seeded again at start (the shop owns these tables).
 */
export const CATALOGUE_VERSION = 3;

export const CATEGORIES = [
  'laptops',
  'phones',
  'audio',
  'cameras',
  'gaming',
  'home',
  'kitchen',
  'garden',
  'sports',
  'books',
  'toys',
  'office',
];

export const BRANDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Aperture',
];

/** Words product descriptions are made of: what `GET /products?q=` finds. */
export const FEATURES = [
  'wireless',
  'waterproof',
  'rechargeable',
  'lightweight',
  'stainless steel',
  'bluetooth',
  'solar powered',
  'foldable',
  'ergonomic',
  'noise cancelling',
  'organic cotton',
  'recycled plastic',
  'touchscreen',
  'long battery life',
  'fast charging',
  'dishwasher safe',
  'handmade',
  'compact',
  'heavy duty',
  'backlit',
];

/** Mulberry32: a small seeded generator of numbers in [0, 1); the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Product ids from most to least popular: a fixed shuffle, so best sellers are spread over every
 * category and brand. Shoppers view (load test), buy and review (seed) by this same ranking.
 */
export function popularityRanking(): number[] {
  return shuffled(PRODUCT_COUNT, mulberry32(11));
}

/** Samples 1..n with P(k) ∝ 1/k^s (through `labels` when given: rank k -> labels[k - 1]). */
export function zipf(n: number, s: number, random: () => number, labels?: number[]): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = sum += 1 / k ** s;
  return () => {
    const target = random() * sum;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cdf[mid] < target) low = mid + 1;
      else high = mid;
    }
    return labels ? labels[low] : low + 1;
  };
}

/** 1..n in a fixed random order (Fisher-Yates). */
function shuffled(n: number, random: () => number): number[] {
  const items = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
