// Cached values of a given JSON size, shaped like what services return (a record with a list of
// line items), so JSON.parse/stringify costs what they cost in real applications.

export interface BenchValue {
  id: number;
  name: string;
  updatedAt: string;
  items: { sku: string; title: string; price: number; quantity: number; inStock: boolean }[];
}

export function makeValue(bytes: number, id = 1): BenchValue {
  const value: BenchValue = {
    id,
    name: `Order ${id}`,
    updatedAt: new Date(1_700_000_000_000 + id).toISOString(),
    items: [],
  };
  let size = JSON.stringify(value).length;
  for (let i = 0; size < bytes; i++) {
    const item = {
      sku: `SKU-${id}-${i.toString().padStart(5, '0')}`,
      title: `Item ${i} of order ${id}, a plain description`,
      price: Math.round(((i * 7919) % 10_000) + 99) / 100,
      quantity: (i % 5) + 1,
      inStock: i % 3 !== 0,
    };
    value.items.push(item);
    size += JSON.stringify(item).length + 1;
  }
  return value;
}

export function kib(bytes: number): string {
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} B`;
}
