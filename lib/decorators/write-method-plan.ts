// Validates the options of @WriteThrough / @WriteBehind on one method, once at bootstrap, into
// the plan its invoker runs. Every problem is a CacheDecoratorError naming `ClassName.method`.
import { CacheConfigError } from '../errors/cache-config.error.js';
import { CacheDecoratorError } from '../errors/cache-decorator.error.js';
import type { KeySpace } from '../keys/key-space.js';
import type { MethodKeyResolver } from '../keys/method-key.js';
import { duration } from '../options/option-kit.js';
import type { Ttl } from '../time/ttl.js';
import { JOB_OPTION_NAMES, resolveJobOptions } from '../write/write-behind-options.js';
import type { MethodFunction } from './cached-method.js';
import {
  checkDecorator,
  decoratorOptions,
  decoratorPath,
  keyOption,
  optionalFunction,
  tagOption,
  type Args,
} from './method-plan-kit.js';
import type { ResolvedJobOptions } from '../options/resolved-options.js';

export interface WriteMethodPlan {
  kind: 'through' | 'behind';
  /** `ClassName.method`; also the writer name of a @WriteBehind method. */
  label: string;
  original: MethodFunction;
  key: MethodKeyResolver;
  tags: (args: Args) => string[];
  ttl?: Ttl;
  /** The value to cache: from the result (@WriteThrough) or the arguments (@WriteBehind). */
  value: (result: unknown, args: Args) => unknown;
  job: ResolvedJobOptions;
}

export interface WritePlanInput {
  label: string;
  original: MethodFunction;
  throughs: unknown[];
  behinds: unknown[];
  /** The method also carries @Cacheable/@CachePut/@CacheEvict/@CacheTags. */
  alsoCached: boolean;
  keys: KeySpace;
  jobDefaults: ResolvedJobOptions;
  /** Namespace tags the methods storing the same keys carry (key-family.check.ts). */
  familyTags?: readonly string[];
}

const THROUGH_OPTION_NAMES = ['key', 'ttl', 'tags', 'value'];
const BEHIND_OPTION_NAMES = [...THROUGH_OPTION_NAMES, ...JOB_OPTION_NAMES];

type ValueFunction = (...args: unknown[]) => unknown;

export function planWriteMethod(input: WritePlanInput): WriteMethodPlan {
  const { label, throughs, behinds } = input;
  const behind = behinds.length > 0;
  const decorator = behind ? '@WriteBehind' : '@WriteThrough';
  const fail = (problem: string): never => {
    throw new CacheDecoratorError(decorator, label, problem);
  };
  if (throughs.length > 0 && behind)
    fail('cannot be combined with @WriteThrough on the same method');
  if (throughs.length + behinds.length > 1) fail('is applied more than once');
  if (input.alsoCached)
    fail(
      'cannot be combined with @Cacheable, @CachePut, @CacheEvict or @CacheTags on the same method',
    );
  return checkDecorator(decorator, label, () => {
    const options = decoratorOptions(
      behinds[0] ?? throughs[0],
      behind ? BEHIND_OPTION_NAMES : THROUGH_OPTION_NAMES,
    );
    const key = keyOption(options.key, label, undefined, true);
    if (options.ttl !== undefined) duration(options.ttl, `${decoratorPath(decorator, label)}.ttl`);
    const tagPlan = tagOption(options.tags, [], label, input.keys);
    const familyTags = input.familyTags ?? [];
    const pick = optionalFunction<ValueFunction>(options.value, 'value');
    if (behind && !pick && input.original.length === 0)
      throw new CacheConfigError(
        'value',
        'is needed: the first argument is cached by default, but the method declares none',
      );
    return {
      kind: behind ? 'behind' : 'through',
      label,
      original: input.original,
      key,
      tags: familyTags.length === 0 ? tagPlan.all : (args) => [...familyTags, ...tagPlan.all(args)],
      ttl: options.ttl as Ttl | undefined,
      value: behind
        ? (_result, args) => (pick ? pick(...args) : args[0])
        : (result, args) => (pick ? pick(result, ...args) : result),
      job: behind ? resolveJobOptions(options, input.jobDefaults, '') : input.jobDefaults,
    };
  });
}
