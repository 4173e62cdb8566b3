// Enum values with a description each, keyed by the stored value: the type demands one for every
// value, so adding a value without documenting it fails the typecheck.
export function describedValues<T extends string>(descriptions: Record<T, string>) {
  return Object.fromEntries(
    (Object.entries(descriptions) as [T, string][]).map(([value, description]) => [value.toUpperCase(), { value, description }]),
  ) as Record<Uppercase<T>, { value: T; description: string }>;
}
