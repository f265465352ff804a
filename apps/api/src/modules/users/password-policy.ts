import zxcvbnCore from '@zxcvbn-ts/core';
import zxcvbnCommon from '@zxcvbn-ts/language-common';
import zxcvbnEn from '@zxcvbn-ts/language-en';

/** zxcvbn's score runs 0–4; 3 means "safely unguessable" for an online attack with throttling. */
const MIN_SCORE = 3;

// Built once, on first use: the dictionaries take a moment to load.
let estimator: InstanceType<typeof zxcvbnCore.ZxcvbnFactory> | null = null;

/**
 * Why a password is refused, in words for a 400 `{field: 'password', message}`, or null when it
 * is strong enough. zxcvbn estimates guesses against common passwords, English words, names,
 * keyboard patterns, repeats and sequences, and the account's own email (`related`).
 */
export function passwordWeakness(password: string, related: string[] = []): string | null {
  estimator ??= new zxcvbnCore.ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEn.translations,
  });
  const result = estimator.check(
    password,
    related.flatMap((r) => [r, ...r.split(/[@.]/)]),
  );
  if (result.score >= MIN_SCORE) return null;
  const hint = result.feedback.warning ?? result.feedback.suggestions[0] ?? '';
  return `is too easy to guess${hint ? `: ${hint}` : ''}; use a longer passphrase of unrelated words`;
}
