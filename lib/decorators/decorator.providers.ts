// The providers that wire every decorator of the library at bootstrap.
import type { Provider } from '@nestjs/common';
import { DecoratedMethodsExplorer } from './decorated-methods.explorer.js';

export const DECORATOR_PROVIDERS: Provider[] = [DecoratedMethodsExplorer];
