import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { apacheHeaderValue, apacheString, regexLiteral } from './apache-syntax.js';
import { nginxString } from './nginx-syntax.js';
import { safeInt, safeWord } from './safe-word.js';
import { unitEnvironment, unitText } from './systemd-syntax.js';

// src/modules/render and dist/modules/render sit at the same depth below the repository root.
const TEMPLATE_ROOT = fileURLToPath(new URL('../../../../../templates/', import.meta.url));

/**
 * The nunjucks environment over `templates/`. Templates hold no logic beyond loops and
 * conditionals; every value that came from a user passes one of the filters registered here,
 * each of which escapes for one syntax or refuses the value with a RenderError.
 */
export class TemplateRenderer {
  private static instance: TemplateRenderer | undefined;
  private readonly env: nunjucks.Environment;
  /** nunjucks wraps errors thrown by filters; the original is kept here to rethrow it. */
  private filterError: unknown;

  constructor(root: string = TEMPLATE_ROOT) {
    this.env = new nunjucks.Environment(new nunjucks.FileSystemLoader(root, { noCache: false }), {
      autoescape: false,
      throwOnUndefined: true,
      trimBlocks: true,
      lstripBlocks: true,
    });
    const filters: Record<string, (value: never, arg: never) => unknown> = {
      word: safeWord,
      // A list of bare words on one line (hostnames): each checked like `word`.
      words: (values: unknown[]) => values.map((v) => safeWord(v)).join(' '),
      int: safeInt,
      nginx_str: nginxString,
      apache_str: apacheString,
      apache_hdr: apacheHeaderValue,
      regex: (value: string) => regexLiteral(safeWord(value, 'path')),
      unit_text: unitText,
      unit_env: unitEnvironment,
    };
    for (const [name, filter] of Object.entries(filters)) {
      const apply = filter as (value: unknown, arg?: unknown) => unknown;
      // Fixed arity (no rest arrays): filters run hundreds of thousands of times per agent.
      this.env.addFilter(name, (value: unknown, arg?: unknown) => {
        try {
          return apply(value, arg);
        } catch (error) {
          this.filterError = error;
          throw error;
        }
      });
    }
  }

  /** One process-wide environment: templates are compiled once and reused by every render. */
  static shared(): TemplateRenderer {
    TemplateRenderer.instance ??= new TemplateRenderer();
    return TemplateRenderer.instance;
  }

  render(template: string, context: object): string {
    this.filterError = undefined;
    try {
      return this.env.render(template, context);
    } catch (error) {
      throw this.filterError ?? error;
    } finally {
      this.filterError = undefined;
    }
  }
}
