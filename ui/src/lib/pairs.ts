// Name and value rows: headers, query parameters, form fields, variables.

/** One row: a name and its value. */
export type Pair = [string, string];

/** The value of the first header named `name` (any case). */
export function headerValue(headers: Pair[], name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}
