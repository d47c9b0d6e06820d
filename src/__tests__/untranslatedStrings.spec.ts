import * as ts from 'typescript';

import { untranslatedIn, untranslatedUnder } from './userStrings';

/** Files whose strings are still being moved into the translation bundle. */
const NOT_YET = new Set<string>();

const texts = (file: string, content: string) =>
  untranslatedIn(file, content).map(found => found.text);

describe('user-facing strings', () => {
  it('all go through the translation bundle', () => {
    const src = `${ts.sys.getCurrentDirectory()}/src`;
    const found = untranslatedUnder(src, NOT_YET).map(
      ({ file, line, text }) => `${file}:${line}: ${text}`
    );
    expect(found).toEqual([]);
  });

  it('are found in commands, elements, dialogs and errors', () => {
    const source = `
      commands.addCommand('x:run', {
        label: args => (args.name ? \`Run \${args.name}\` : 'Run Job'),
        caption: 'Run a job now'
      });
      node.textContent = ok ? 'Loaded' : trans.__('Failed');
      node.setAttribute('aria-label', 'Close the log');
      label.append(input, 'Secret name (required)');
      Notification.success(\`Deployed \${name}.\`);
      throw new Error('The job has no steps.');
    `;
    expect(texts('a.ts', source)).toEqual([
      '`Run ${args.name}`',
      'Run Job',
      'Run a job now',
      'Loaded',
      'Close the log',
      'Secret name (required)',
      '`Deployed ${name}.`',
      'The job has no steps.'
    ]);
    const jsx = `
      const a = <button title="Open the log" text="Again">Run {n ? 'more' : trans.__('less')}</button>;
    `;
    expect(texts('a.tsx', jsx)).toEqual([
      'Open the log',
      'Again',
      'Run',
      'more'
    ]);
  });

  it('leave out translated text, names, ids and marked values', () => {
    const source = `
      commands.addCommand('x:run', { label: trans.__('Run %1', name) });
      node.className = 'dataops-log-text';
      node.textContent = \`\${job} · \${id}\`;
      input.placeholder = 'UTC';
      query.append('status', status);
      const field = {
        // untranslated: a job name the user types
        placeholder: 'orders'
      };
    `;
    expect(texts('a.ts', source)).toEqual([]);
    const jsx = `const a = <p>{trans.__('Tagged %1', '%1')}<code>step</code></p>;`;
    expect(texts('a.tsx', jsx)).toEqual([]);
  });
});
