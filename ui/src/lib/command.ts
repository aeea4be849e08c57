// Command lines as a person types them, and as the spec holds them (one string per argument).

/** Splits a command line into arguments, honouring simple quotes: a b "c d" → [a, b, c d]. */
export function splitCommand(text: string): string[] | null {
  const args = text.match(/"[^"]*"|'[^']*'|\S+/g);
  return args ? args.map((arg) => arg.replace(/^(["'])(.*)\1$/, "$2")) : null;
}

/** The inverse of splitCommand: arguments with spaces or quotes come back quoted, so saving
 * the form again keeps `sh -c '…'` one argument instead of splitting the script. */
export function joinCommand(args: readonly string[]): string {
  return args
    .map((arg) =>
      /[\s"']/.test(arg) || arg === "" ? (arg.includes("'") ? `"${arg}"` : `'${arg}'`) : arg,
    )
    .join(" ");
}
