// The command line's words, read with node's util.parseArgs, and the rule for every error
// message about them: an argument may be a secret (a PEM private key, a provider secret), so
// it is never echoed whole: at most its first 20 characters, and nothing of one that looks
// like a key.
import { parseArgs } from 'node:util';

export class ArgumentError extends Error {}

export interface CommandLine {
  /** `--name` → its value (`'true'` for a flag), as given. */
  options: Map<string, string>;
  /** The other words in order, including everything after a `--` separator. */
  positional: string[];
}

/**
 * Reads argv. `--name VALUE`, `--name=VALUE` and flags anywhere; `--` ends the options, so a
 * value that begins with dashes (a PEM key) goes after it. Unknown options, a value option
 * with no value and a flag given a value are ArgumentErrors whose message names only the
 * option, never a value.
 */
export function readCommandLine(argv: string[], valueOptions: readonly string[], flagOptions: readonly string[]): CommandLine {
  const config: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const o of valueOptions) config[o.slice(2)] = { type: 'string' };
  for (const o of flagOptions) config[o.slice(2)] = { type: 'boolean' };
  // Not strict: we check the tokens ourselves, so that no error message carries an argument.
  const { tokens } = parseArgs({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true });
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') positional.push(t.value);
    if (t.kind !== 'option') continue;
    const name = `--${t.name}`;
    if (!t.rawName.startsWith('--') || !(valueOptions.includes(name) || flagOptions.includes(name))) {
      throw new ArgumentError(`unknown option ${optionName(t.rawName)}`);
    }
    if (valueOptions.includes(name)) {
      // `--phone --json` is a forgotten value, not a phone number "--json".
      if (t.value === undefined || t.value === '' || (!t.inlineValue && t.value.startsWith('--'))) {
        throw new ArgumentError(`${name} needs a value (one that begins with dashes: ${name}=VALUE)`);
      }
      options.set(name, t.value);
    } else {
      if (t.inlineValue) throw new ArgumentError(`${name} takes no value`);
      options.set(name, 'true');
    }
  }
  return { options, positional };
}

/** How an unknown option is named: itself when it looks like one, else a description. */
function optionName(raw: string): string {
  const name = raw.split('=')[0]!;
  if (/^--?[A-Za-z][A-Za-z0-9-]{0,18}$/.test(name)) return name;
  return '(an argument beginning with "-"; a value that begins with dashes goes after --, or use --from-file)';
}

/** A PEM block, or one long unbroken run of key-like characters (base64, hex, tokens). */
export function looksLikeKey(text: string): boolean {
  return /-----BEGIN|PRIVATE KEY|^-{3,}/.test(text) || /[A-Za-z0-9+/=_-]{24,}/.test(text.replace(/\s/g, ''));
}

/** An argument as an error message may show it: its first 20 characters at most, a key never. */
export function clip(text: string): string {
  if (looksLikeKey(text)) return '(hidden)';
  return text.length > 20 ? `${text.slice(0, 20)}…` : text;
}

/**
 * A message (often the core's, which may quote what it was given) with every argument that is
 * long or key-like, and every line of one, replaced by its clip.
 */
export function redact(message: string, values: Iterable<string>): string {
  const parts: string[] = [];
  for (const v of values) {
    for (const part of [v, ...v.split(/\r?\n/)]) if (part.length > 20 || (part.length >= 8 && looksLikeKey(part))) parts.push(part);
  }
  parts.sort((a, b) => b.length - a.length);
  let out = message;
  for (const part of parts) out = out.split(part).join(clip(part));
  return out;
}
