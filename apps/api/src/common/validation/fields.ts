import { z } from 'zod';

// Field rules shared by every DTO that carries text into a rendered config file.
// They are deliberately strict: whatever passes here is safe to write into nginx, Apache and
// systemd syntax without quoting tricks, and the renderer still escapes on top of this.

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** RFC 1123 hostname, lower-cased; a wildcard is allowed only as the whole first label. */
export const hostname = z
  .string()
  .trim()
  .toLowerCase()
  .max(253, 'must be at most 253 characters')
  .refine((h) => /^[\x21-\x7e]+$/.test(h), {
    message: 'must be ASCII: write internationalized names in punycode (xn--…)',
  })
  .refine(
    (h) => {
      const labels = h.split('.');
      if (labels.length < 2 && labels[0] !== 'localhost') return false;
      return labels.every((l, i) => (i === 0 && l === '*' && labels.length > 2) || LABEL.test(l));
    },
    {
      message:
        'must be a valid RFC 1123 hostname (letters, digits, hyphens; a wildcard only as the first label, like *.example.com)',
    },
  );

/** A backend host: hostname (no wildcard), IPv4 or IPv6. */
export const targetHost = z
  .union([z.ipv4(), z.ipv6(), hostname], {
    error: 'must be a hostname, IPv4 or IPv6 address',
  })
  .refine((h) => !h.startsWith('*'), 'a backend host cannot be a wildcard');

/** A literal IP address (what a proxy `listen` directive binds). */
export const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });

export const port = z
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

/** URL path prefix for a route: plain segments only, so it is safe in location/ProxyPass. */
export const pathPrefix = z
  .string()
  .max(256, 'must be at most 256 characters')
  .regex(
    // Each segment but the last ends in "/": one way to match, so no catastrophic backtracking.
    /^\/(?:[A-Za-z0-9._~-]+\/)*[A-Za-z0-9._~-]*$/,
    'must start with / and contain only letters, digits, ".", "_", "~", "-" and "/"',
  )
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'must not contain . or .. segments');

/** Stable object name: used in file names and unit names, matched by declarative apply. */
export const resourceName = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be 1-63 lower-case letters, digits or hyphens, starting and ending with a letter or digit',
  );

export const headerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be letters, digits and hyphens (at most 64)');

/** Header values: printable ASCII without quotes, braces, semicolons, $, %, backslash or CR/LF. */
export const headerValue = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .regex(
    /^[A-Za-z0-9 !#&()*+,./:<=>?@[\]^_|~-]*$/,
    'may contain printable ASCII except quotes, braces, semicolons, backslashes, $, % and line breaks',
  )
  .refine((v) => v === v.trim(), 'must not start or end with a space');

export const header = z.strictObject({ name: headerName, value: headerValue });

export const timeoutSec = z
  .number({ error: 'must be a number of seconds' })
  .int('must be a whole number of seconds')
  .min(1, 'must be at least 1 second')
  .max(86_400, 'must be at most 86400 seconds (24 h)');

export const labels = z
  .record(
    z.string().regex(/^[a-z0-9](?:[a-z0-9._/-]{0,62})$/, 'label keys: lower-case, digits, . _ / - (max 63)'),
    z.string().regex(/^[A-Za-z0-9._-]{0,63}$/, 'label values: letters, digits, . _ - (max 63)'),
  )
  .refine((r) => Object.keys(r).length <= 32, 'at most 32 labels');

// Text systemd can hold: it drops a whole assignment ("not UTF-8 clean") that contains a
// Unicode noncharacter, and a lone surrogate has no UTF-8 form at all.
const UNIT_UNSAFE_UNICODE = new RegExp(
  `[\\u{FDD0}-\\u{FDEF}${Array.from({ length: 17 }, (_, p) => `\\u{${(p * 0x10000 + 0xfffe).toString(16)}}\\u{${(p * 0x10000 + 0xffff).toString(16)}}`).join('')}]|\\p{Surrogate}`,
  'u',
);
const UNIT_UNICODE_MESSAGE = 'must be valid Unicode text (no lone surrogates or noncharacters)';

/** Environment variable for a systemd unit; values are quoted by the renderer. */
export const envKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be a valid variable name');
export const envValue = z
  .string()
  .max(4096, 'must be at most 4096 characters')
  .refine((v) => !/[\x00-\x1f\x7f]/.test(v), 'must not contain control characters or line breaks')
  .refine((v) => !UNIT_UNSAFE_UNICODE.test(v), UNIT_UNICODE_MESSAGE);

/**
 * What systemd would refuse in an ExecStart= command line, or null. systemd unquotes "…" and
 * '…' anywhere in a word, knows only C-style backslash escapes, and reads a lone ";" as the start
 * of a second command; an unbalanced quote makes it drop the whole line.
 */
function commandLineProblem(line: string): string | null {
  let quote: string | null = null;
  let word = '';
  for (let i = 0; i <= line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      const next = line[++i];
      if (next === undefined) return 'must not end with a backslash';
      if (!'abfnrtvs\\"\''.includes(next))
        return `has an unknown escape \\${next} (write \\\\ for a backslash)`;
      word += `\\${next}`;
    } else if (quote !== null) {
      if (c === undefined) return `has an unbalanced ${quote} quote`;
      if (c === quote) quote = null;
      word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word += c;
    } else if (c === undefined || c === ' ' || c === '\t') {
      if (word === ';') return 'must be a single command (a lone ";" starts another one)';
      word = '';
    } else {
      word += c;
    }
  }
  return null;
}

/** Absolute command line for ExecStart (one line). */
export const execStart = z
  .string()
  .max(4096, 'must be at most 4096 characters')
  .regex(/^\/[^\s]*(?: .*)?$/, 'must start with an absolute path to the executable')
  .refine((v) => !/[\x00-\x1f\x7f]/.test(v), 'must not contain control characters or line breaks')
  .refine((v) => !UNIT_UNSAFE_UNICODE.test(v), UNIT_UNICODE_MESSAGE)
  .superRefine((v, ctx) => {
    const problem = commandLineProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const unixUser = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a valid Unix user name');

export const containerImage = z
  .string()
  .max(255, 'must be at most 255 characters')
  .regex(
    /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[A-Za-z0-9_.-]{1,128})?(?:@sha256:[a-f0-9]{64})?$/,
    'must be a container image reference like ghcr.io/open-webui/open-webui:main',
  );

/** Absolute POSIX path used for directories and commands on agents. */
export const absolutePath = z
  .string()
  .max(512, 'must be at most 512 characters')
  // Each segment but the last ends in "/": one way to match, so no catastrophic backtracking.
  .regex(
    /^\/(?:[A-Za-z0-9._-]+\/)*[A-Za-z0-9._-]*$/,
    'must be an absolute path of letters, digits, ".", "_", "-"',
  )
  // "/etc/portico/../.." would name a directory other than the one written.
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'must not contain . or .. segments');

/** A shell command Portico runs on an agent (validate/reload overrides); one line. */
export const shellCommand = z
  .string()
  .min(1)
  .max(1024, 'must be at most 1024 characters')
  .refine((v) => !/[\x00-\x1f\x7f]/.test(v), 'must not contain control characters or line breaks');
