// Copies the Lua scripts next to the compiled code: tsc emits only .js/.d.ts,
// and the library loads each script from the folder of the module that runs it.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function copyLua(from, to) {
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(to, name);
    if (statSync(source).isDirectory()) copyLua(source, target);
    else if (name.endsWith('.lua')) cpSync(source, target);
  }
}

copyLua('lib', 'dist');
