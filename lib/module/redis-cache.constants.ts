// Injection tokens. The raw options token comes from the ConfigurableModuleBuilder.
export const RESOLVED_CACHE_OPTIONS = Symbol('redis_cache:resolved_options');
