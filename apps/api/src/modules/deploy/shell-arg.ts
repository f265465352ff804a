/**
 * Quotes one word for POSIX sh. Deploy paths are already restricted to a safe alphabet, but
 * commands also carry operator-supplied settings (config roots, hook paths), so every value that
 * reaches a remote shell goes through here.
 */
export function shellArg(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Fills `{name}` placeholders of an operator command template with quoted values. */
export function fillCommand(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = values[key];
    return value === undefined ? whole : shellArg(value);
  });
}
