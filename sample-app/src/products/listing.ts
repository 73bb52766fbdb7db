// The catalogue listing (`GET /products`): which products (category, brand, search words), in
// which order, which page. Validated and normalised before a cache key is built from it, so two
// spellings of the same question share one entry and nonsense never reaches the cache.
import { BadRequestException } from '@nestjs/common';
import { CATALOGUE_TAG, type ListedProduct } from './product.js';

const SORTS = ['featured', 'price', 'price_desc', 'rating', 'newest'] as const;
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
  const words = normalisedWords(raw);
  if (words.length > MAX_QUERY_LENGTH)
    throw new BadRequestException(`q must be at most ${MAX_QUERY_LENGTH} characters`);
  if (/\p{Cc}/u.test(words)) throw new BadRequestException('q must not contain control characters');
  return words === '' ? undefined : words;
}

function normalisedWords(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

export function sortParam(raw: unknown): ListingSort {
  if (raw === undefined) return 'featured';
  if (typeof raw !== 'string' || !(SORTS as readonly string[]).includes(raw))
    throw new BadRequestException(
      `sort must be one of ${SORTS.join(', ')}, got ${JSON.stringify(raw).slice(0, 60)}`,
    );
  return raw as ListingSort;
}

/** The query string of a request, as Express parses it. */
export interface ListingRequest {
  query?: Record<string, unknown>;
}

/**
 * The cache key of a listing request: its known parameters, normalised as the handler reads them
 * (search words in lower case), in a fixed order. Unknown parameters are left out, so random ones
 * cannot make new entries; invalid values are answered 400 and never stored.
 */
export function listingKey(request: ListingRequest): string {
  const query = request.query ?? {};
  const text = (name: string) => {
    const value = query[name];
    return typeof value === 'string' ? value.slice(0, MAX_QUERY_LENGTH + 1) : '';
  };
  const fields = [
    text('category'),
    text('brand'),
    normalisedWords(text('q')),
    text('sort') || 'featured',
    text('page') || '1',
    text('limit') || String(DEFAULT_LIMIT),
  ];
  return `products:${JSON.stringify(fields)}`;
}

/** Tags of a listing: what a price change must evict it by. */
export function listingTags(request: ListingRequest): string[] {
  const query = request.query ?? {};
  const tags: string[] = [];
  if (typeof query.category === 'string') tags.push(`category:${query.category}`);
  if (typeof query.brand === 'string') tags.push(`brand:${query.brand}`);
  return tags.length > 0 ? tags : [CATALOGUE_TAG];
}
