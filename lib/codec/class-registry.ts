// The classes the default serializer revives: written with the class's name and own fields, built
// again on its prototype. Only listed classes are built, so an entry cannot choose a prototype; the
// constructor is not called (its arguments are unknown).

export type RevivableClass = abstract new (...args: never[]) => object;

export class ClassRegistry {
  private readonly nameByPrototype = new Map<object, string>();
  private readonly prototypeByName = new Map<string, object>();

  /** `classes`: validated at bootstrap (classes, named, no two with one name). */
  constructor(classes: readonly RevivableClass[]) {
    for (const type of classes) {
      const prototype = type.prototype as object;
      this.nameByPrototype.set(prototype, type.name);
      this.prototypeByName.set(type.name, prototype);
    }
  }

  nameOf(value: object): string | undefined {
    return this.nameByPrototype.get(Object.getPrototypeOf(value) as object);
  }

  // An entry written before its class left the list reads as the plain data it holds.
  revive(name: string, fields: [string, unknown][]): object {
    const instance = Object.create(this.prototypeByName.get(name) ?? Object.prototype) as object;
    for (const [key, value] of fields)
      Object.defineProperty(instance, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return instance;
  }
}
