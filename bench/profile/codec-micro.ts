// Micro-benchmark of the decode step of a 1 KB hit: the codec as it is against the same work
// done by hand (JSON.parse of the bytes), to see what the codec adds per hit.
import { Bench } from 'tinybench';
import { EntryCodec } from '../../lib/codec/entry-codec.js';
import { SERIALIZERS } from '../../lib/codec/serializer.js';
import { makeValue } from '../support/values.js';

const codec = new EntryCodec(SERIALIZERS.default, { threshold: 64 * 1024, algorithm: 'deflate' });
const size = Number(process.argv.find((a) => a.startsWith('--size='))?.split('=')[1] ?? 1024);
const value = makeValue(size);
const entry = codec.assemble(await codec.encodeValue(value));
const tagged = codec.assemble(await codec.encodeValue(value), { tags: { orders: 'abc.1' } });
const plain = Buffer.from(JSON.stringify(value));

const bench = new Bench({ time: 1000 });
bench
  .add('JSON.parse(buffer.toString())', () => JSON.parse(plain.toString('utf8')))
  .add('codec.decode (await)', async () => (await codec.decode(entry)).value)
  .add('codec.decode tagged (await)', async () => (await codec.decode(tagged)).value);
await bench.run();
console.table(bench.table());
