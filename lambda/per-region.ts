// Shell: one value per region, made on first use and kept (SDK clients reuse their connections).

/** `make(region)` once per region, on first use, kept for the life of the returned function (a sandbox, a command). */
export function perRegion<T>(make: (region: string) => T): (region: string) => T {
  const made = new Map<string, T>();
  return (region) => {
    if (!made.has(region)) made.set(region, make(region));
    return made.get(region) as T;
  };
}
