import * as React from 'react';

import { showValue } from '../dialogs/ArgumentsForm';
import { useTranslation } from '../translation';
import { Arguments } from '../types';

/** The arguments a run or an execution was started with (none: nothing). */
export function ArgumentsLine(props: {
  args: Arguments;
  className: string;
}): JSX.Element | null {
  const trans = useTranslation();
  const text = describeArguments(props.args);
  return text ? (
    <div className={props.className} title={trans.__('Arguments: %1', text)}>
      {text}
    </div>
  ) : null;
}

/** `schema=shop, min_price=5`, or '' without arguments. */
export function describeArguments(args: Arguments): string {
  return Object.entries(args)
    .map(([name, value]) => `${name}=${showValue(value)}`)
    .join(', ');
}
