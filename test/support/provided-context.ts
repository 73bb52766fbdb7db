// Types what the global setup hands to test files through vitest's inject().
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
