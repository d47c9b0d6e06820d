import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';

/** The translation domain of the Data Jobs extension's strings. */
export const TRANSLATION_DOMAIN = 'dataops_jupyter';

/** The extension's strings in the user's language (as written without a translator). */
export function translations(
  translator?: ITranslator | null
): TranslationBundle {
  return (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
}
