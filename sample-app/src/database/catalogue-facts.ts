// What the seeded catalogue is made of, shared by the seed (which writes it) and the load
// generator (which must ask for products, categories and brands that exist), plus the seeded
// random generator both use so that every run sees the same shop and sends the same traffic.

export const PRODUCT_COUNT = 10_000;

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
