// Warns, once per cached method (or per key family for getOrSet/set), when a value about to be
// cached holds a class instance the serializer stores as a plain object: a hit then returns an
// object without the class's methods, which would otherwise surface far from the cache.
import type { CacheLogger } from '../events/cache-logger.js';
import { classInstanceIn } from '../codec/class-instances.js';
import { WarnOnce } from '../events/warn-once.js';

export class ClassInstanceWarning {
  constructor(logger: CacheLogger) {
    this.sites = new WarnOnce(logger);
  }

  private readonly sites: WarnOnce;

  /**
   * `method`: the cached method's label (`ProductsService.find`), else the key names the site.
   * `revived`: the instances a hit returns as such (their class is in `serializer.classes`).
   */
  check(
    value: unknown,
    key: string,
    method: string | undefined,
    revived?: (instance: object) => boolean,
  ): void {
    const site = method ?? `"${familyOf(key)}"`;
    // Once a site was warned about, its values are not walked again.
    if (this.sites.has(site)) return;
    const found = classInstanceIn(value, revived);
    if (!found) return;
    const what = found.path === '' ? '' : ` at ${found.path}`;
    const source =
      method === undefined ? `The value cached under ${site} holds` : `${method} returned`;
    this.sites.warn(
      site,
      () =>
        `${source} a ${found.className} instance${what}; a cache hit returns a plain object in ` +
        'its place (its methods and prototype are lost). Cache plain data, or list the class to ' +
        `be revived (serializer: { classes: [${found.className}] }). Not logged again for this site.`,
    );
  }
}

/** The key's first segment and a wildcard (`product:42` → `product:*`): one warning per family. */
function familyOf(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? key : `${key.slice(0, colon)}:*`;
}
