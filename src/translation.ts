import * as React from 'react';

import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';

/** The translation domain of the Data Jobs extension's strings. */
export const TRANSLATION_DOMAIN = 'dataops_jupyter';

/** The translator of the application, once the sidebar plugin started. */
let appTranslator: ITranslator = nullTranslator;

/**
 * Make `translator` the one `translations()` uses when it is given none:
 * for texts made where no plugin hands one down (a failed request's words).
 */
export function setAppTranslator(translator: ITranslator | null): void {
  appTranslator = translator ?? nullTranslator;
}

/**
 * The extension's strings in the user's language: through `translator`,
 * else the application's (as written before it started).
 */
export function translations(
  translator?: ITranslator | null
): TranslationBundle {
  return (translator ?? appTranslator).load(TRANSLATION_DOMAIN);
}

/**
 * The bundle the components of a section or a view write their strings
 * with; the owner of the tree provides it (the untranslated one if none).
 */
export const TranslationContext =
  React.createContext<TranslationBundle>(translations());

/** The translation bundle of the component tree being rendered. */
export function useTranslation(): TranslationBundle {
  return React.useContext(TranslationContext);
}

/**
 * A translated text with elements in it: `%1`, `%2`… of `text` are replaced
 * by `parts` (e.g. `trans.__('Failed in step %1', '%1')` and a `<code>`).
 */
export function withParts(
  text: string,
  ...parts: React.ReactNode[]
): React.ReactNode[] {
  return text.split(/(%\d+)/).map((piece, index) => {
    const match = /^%(\d+)$/.exec(piece);
    const part = match ? parts[Number(match[1]) - 1] : undefined;
    return React.createElement(
      React.Fragment,
      { key: index },
      part === undefined ? piece : part
    );
  });
}
