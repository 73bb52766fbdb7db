// The classes the default serializer revives (`serializer: { classes: [Money] }`): an instance of
// one is written with its class's name and own fields, and a hit builds it again on the class's
// prototype. Only classes listed here are ever built from cached data, so an entry cannot choose a
// prototype; the constructor is not called (its arguments are unknown), the fields are set as own
// data properties, as the instance had them.

/** A class the default serializer may revive. */
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

  /** The name an instance of a listed class is written under; undefined for anything else. */
  nameOf(value: object): string | undefined {
    return this.nameByPrototype.get(Object.getPrototypeOf(value) as object);
  }

  /** Whether `value` is an instance of a listed class (a hit returns it as one). */
  revives(value: object): boolean {
    return this.nameOf(value) !== undefined;
  }

  /**
   * An instance of the class listed under `name` with these fields; a plain object when no class
   * is (an entry written before its class left the list reads as the plain data it holds).
   */
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
