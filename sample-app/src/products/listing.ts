// The catalogue listing (`GET /products`): which products (category, brand, search words), in
// which order, which page. Validated and normalised before a cache key is built from it, so two
// spellings of the same question share one entry and nonsense never reaches the cache.
import { BadRequestException } from '@nestjs/common';
import { CATALOGUE_TAG, type ListedProduct } from './product.js';

export const SORTS = ['featured', 'price', 'price_desc', 'rating', 'newest'] as const;
export type ListingSort = (typeof SORTS)[number];

export const MAX_PAGE = 500;
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;
const MAX_QUERY_LENGTH = 100;

export interface ListingQuery {
  category?: string;
  brand?: string;
  /** Search words, lower case, single spaces. */
  q?: string;
  sort: ListingSort;
  page: number;
  limit: number;
}

export interface Listing {
  items: ListedProduct[];
  /** Products matching the filters, over all pages. */
  total: number;
  page: number;
  limit: number;
  pages: number;
  sort: ListingSort;
}

/** The search words of `q`: trimmed, lower case, single spaces; undefined when empty. */
export function searchWords(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new BadRequestException('q must be given once, as text');
  const words = raw.trim().replace(/\s+/g, ' ').toLowerCase();
  if (words.length > MAX_QUERY_LENGTH)
    throw new BadRequestException(`q must be at most ${MAX_QUERY_LENGTH} characters`);
  if (/\p{Cc}/u.test(words)) throw new BadRequestException('q must not contain control characters');
  return words === '' ? undefined : words;
}

export function sortParam(raw: unknown): ListingSort {
  if (raw === undefined) return 'featured';
  if (typeof raw !== 'string' || !(SORTS as readonly string[]).includes(raw))
    throw new BadRequestException(
      `sort must be one of ${SORTS.join(', ')}, got ${JSON.stringify(raw).slice(0, 60)}`,
    );
  return raw as ListingSort;
}

/** The cache key of a listing: every field, in a fixed order. */
export function listingKey(query: ListingQuery): string {
  return `products:${JSON.stringify([
    query.category ?? '',
    query.brand ?? '',
    query.q ?? '',
    query.sort,
    query.page,
    query.limit,
  ])}`;
}

/** Tags of a listing: what a price change must evict it by. */
export function listingTags(query: ListingQuery): string[] {
  const tags: string[] = [];
  if (query.category) tags.push(`category:${query.category}`);
  if (query.brand) tags.push(`brand:${query.brand}`);
  return tags.length > 0 ? tags : [CATALOGUE_TAG];
}
