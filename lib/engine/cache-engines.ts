// The caches of one app: the default engine and the named ones, each built from the default's
// options merged with its own, on the default's Redis connection. Decorators and the response
// cache find their engine here by the name in their options.
import { CacheConfigError, CacheDecoratorError } from '../errors/errors.js';
import { mustBe, optionsObject } from '../options/option-kit.js';
import { CacheEngine } from './cache-engine.js';
import type {
  RedisCacheFeatureOptions,
  RedisCacheModuleOptions,
} from './redis-cache-options.interface.js';
import { resolveOptions } from './resolve-options.js';

/** Connection options belong to forRoot(): a named cache shares its connection. */
const ROOT_ONLY = ['url', 'redis', 'cluster', 'client', 'isGlobal'];
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class CacheEngines {
  private readonly named = new Map<string, CacheEngine>();

  constructor(
    readonly root: CacheEngine,
    private readonly rootOptions: RedisCacheModuleOptions,
  ) {}

  /** The engine of the cache `decorator` on `label` names (undefined: the default one). */
  forDecorator(name: string | undefined, decorator: string, label: string): CacheEngine {
    const engine = name === undefined ? this.root : this.named.get(name);
    if (engine) return engine;
    const names = [...this.named.keys()].map((known) => `'${known}'`);
    const known =
      names.length === 0
        ? 'no named caches are registered (RedisCacheModule.forFeature({ name }))'
        : `the named caches are ${names.join(', ')}`;
    throw new CacheDecoratorError(
      decorator,
      label,
      `names cache '${name}', which this app does not have: ${known}. ` +
        'Register it with RedisCacheModule.forFeature({ name }) in a module of this app.',
      'cache',
    );
  }

  /** Every engine, the default first: started in this order, closed in the reverse one. */
  all(): CacheEngine[] {
    return [this.root, ...this.named.values()];
  }

  add(given: RedisCacheFeatureOptions): CacheEngine {
    const where = 'RedisCacheModule.forFeature';
    const { name, ...own } = optionsObject(given, where) as RedisCacheFeatureOptions;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name))
      throw new CacheConfigError(`${where}.name`, mustBe("1-64 letters, digits, '_' or '-'", name));
    const at = `${where}({ name: '${name}' })`;
    if (this.named.has(name))
      throw new CacheConfigError(
        `${at}`,
        'is registered twice with different options: give each named cache one forFeature() ' +
          'and export it from one module',
      );
    for (const option of ROOT_ONLY)
      if (option in own)
        throw new CacheConfigError(
          `${at}.${option}`,
          'belongs to forRoot(): a named cache uses the connection of the default cache',
        );
    const root = this.root.options;
    const inherited = Object.fromEntries(
      Object.entries(this.rootOptions).filter(([option]) => !ROOT_ONLY.includes(option)),
    );
    let options;
    try {
      options = resolveOptions({
        ...inherited,
        ...own,
        namespace: own.namespace ?? `${root.namespace}.${name}`,
      });
    } catch (error) {
      if (error instanceof CacheConfigError)
        throw new CacheConfigError(`${at}.${error.option}`, error.problem, error);
      throw error;
    }
    const taken = this.all().find((engine) => engine.options.namespace === options.namespace);
    if (taken)
      throw new CacheConfigError(
        `${at}.namespace`,
        `is '${options.namespace}', which another cache of this app uses: give each cache its own namespace`,
      );
    const connection =
      root.connection.kind === 'disabled'
        ? root.connection
        : { kind: 'client' as const, client: this.root.connection.client };
    const engine = new CacheEngine({ ...options, connection }, this.root.context);
    this.named.set(name, engine);
    return engine;
  }
}
