import * as ts from 'typescript';

/** A string the user would read that is written in the source untranslated. */
export interface IUntranslated {
  /** The file, relative to the source folder. */
  file: string;
  line: number;
  text: string;
}

/** Properties and attributes whose string value the user reads. */
const SHOWN_PROPERTIES = new Set([
  'label',
  'caption',
  'title',
  'tooltip',
  'placeholder',
  'ariaLabel',
  'aria-label',
  'alt',
  'textContent',
  'innerText',
  'heading',
  'text'
]);

/** Calls whose first argument is a title or message shown to the user. */
const SHOWN_CALLS = new Set([
  'showErrorMessage',
  'orErrorDialog',
  'showErrorDialog'
]);

/** The calls that translate their string arguments. */
const TRANSLATING_CALLS = new Set(['__', '_n', '_p', '_np']);

/** Whether a string holds words (not an id, a class name or punctuation). */
function isWords(text: string): boolean {
  return (
    /[A-Za-z]{2,}/.test(text) &&
    !/^[a-z0-9]+([-_:.][a-z0-9]+)+$/.test(text) &&
    !/^[A-Z]{2,5}$/.test(text)
  );
}

/** Whether the node is inside a call of `trans.__` and friends. */
function insideTranslation(node: ts.Node): boolean {
  for (let at = node.parent; at; at = at.parent) {
    if (ts.isCallExpression(at)) {
      const callee = at.expression;
      const name = ts.isPropertyAccessExpression(callee)
        ? callee.name.text
        : ts.isIdentifier(callee)
          ? callee.text
          : '';
      if (TRANSLATING_CALLS.has(name)) {
        return true;
      }
    }
  }
  return false;
}

/** The strings of a value expression the user reads, outside translation. */
function shownStrings(value: ts.Expression | undefined): ts.Node[] {
  if (!value) {
    return [];
  }
  const found: ts.Node[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateExpression(node)
    ) {
      found.push(node);
      return;
    }
    // Only the values a conditional or a fallback chooses between.
    if (ts.isConditionalExpression(node)) {
      visit(node.whenTrue);
      visit(node.whenFalse);
    } else if (
      ts.isBinaryExpression(node) &&
      (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
        node.operatorToken.kind === ts.SyntaxKind.BarBarToken ||
        node.operatorToken.kind === ts.SyntaxKind.PlusToken)
    ) {
      visit(node.left);
      visit(node.right);
    } else if (ts.isArrowFunction(node) && !ts.isBlock(node.body)) {
      // A label that depends on the command's arguments.
      visit(node.body);
    } else if (ts.isParenthesizedExpression(node) || ts.isJsxExpression(node)) {
      if (node.expression) {
        visit(node.expression);
      }
    }
  };
  visit(value);
  return found;
}

/** The text of a string node, with template substitutions shown as `${}`. */
function textOf(node: ts.Node, source: ts.SourceFile): string {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    return node.text;
  }
  if (ts.isJsxText(node)) {
    return node.text.trim();
  }
  return node.getText(source);
}

/** Whether the node is the text of a `<code>` element (a name, not words). */
function isCode(node: ts.Node): boolean {
  const element = node.parent;
  return (
    ts.isJsxText(node) &&
    ts.isJsxElement(element) &&
    element.openingElement.tagName.getText() === 'code'
  );
}

/**
 * Whether a comment `untranslated:` (saying why) comes right before the
 * string or the property or statement that holds it: a value the user
 * types, not words.
 */
function markedUntranslated(node: ts.Node, content: string): boolean {
  for (
    let at: ts.Node | undefined = node;
    at && !ts.isSourceFile(at) && !ts.isBlock(at);
    at = at.parent
  ) {
    const comments = ts.getLeadingCommentRanges(content, at.pos) ?? [];
    if (
      comments.some(range =>
        /untranslated:/.test(content.slice(range.pos, range.end))
      )
    ) {
      return true;
    }
    if (ts.isStatement(at) || ts.isPropertyAssignment(at)) {
      return false;
    }
  }
  return false;
}

/** The written parts of a string node: a template without its substitutions. */
function wordsOf(node: ts.Node, text: string): string {
  if (ts.isTemplateExpression(node)) {
    return [
      node.head.text,
      ...node.templateSpans.map(span => span.literal.text)
    ].join(' ');
  }
  return text;
}

/** The untranslated strings the user reads in one source file. */
export function untranslatedIn(
  fileName: string,
  content: string
): IUntranslated[] {
  const source = ts.createSourceFile(
    fileName,
    content,
    ts.ScriptTarget.Latest,
    true,
    fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  );
  const found: IUntranslated[] = [];
  const report = (node: ts.Node): void => {
    const text = textOf(node, source);
    if (
      !isWords(wordsOf(node, text)) ||
      insideTranslation(node) ||
      isCode(node) ||
      markedUntranslated(node, content)
    ) {
      return;
    }
    const { line } = source.getLineAndCharacterOfPosition(node.getStart());
    found.push({ file: fileName, line: line + 1, text });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node)) {
      report(node);
    } else if (
      ts.isJsxExpression(node) &&
      (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))
    ) {
      shownStrings(node.expression).forEach(report);
    } else if (
      ts.isJsxAttribute(node) &&
      SHOWN_PROPERTIES.has(node.name.getText(source)) &&
      node.initializer
    ) {
      shownStrings(node.initializer as ts.Expression).forEach(report);
    } else if (
      ts.isPropertyAssignment(node) &&
      SHOWN_PROPERTIES.has(node.name.getText(source).replace(/['"]/g, ''))
    ) {
      shownStrings(node.initializer).forEach(report);
    } else if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      SHOWN_PROPERTIES.has(node.left.name.text)
    ) {
      shownStrings(node.right).forEach(report);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee)
        ? callee.name.text
        : ts.isIdentifier(callee)
          ? callee.text
          : '';
      const owner =
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression)
          ? callee.expression.text
          : '';
      if (SHOWN_CALLS.has(name) || owner === 'Notification') {
        shownStrings(node.arguments[0]).forEach(report);
      } else if (name === 'append' || name === 'prepend') {
        // Text put into an element (a sentence: not a search parameter).
        node.arguments.forEach(argument =>
          shownStrings(argument)
            .filter(found => / /.test(textOf(found, source)))
            .forEach(report)
        );
      } else if (
        name === 'setAttribute' &&
        node.arguments.length === 2 &&
        ts.isStringLiteral(node.arguments[0]) &&
        SHOWN_PROPERTIES.has(node.arguments[0].text)
      ) {
        shownStrings(node.arguments[1]).forEach(report);
      }
    }
    if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'Error' &&
      node.arguments
    ) {
      // The messages of errors that end in an error dialog.
      shownStrings(node.arguments[0]).forEach(report);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The source files under a folder, tests left out, relative to it. */
export function sourceFiles(root: string): string[] {
  return ts.sys
    .readDirectory(root, ['.ts', '.tsx'], ['**/__tests__/**', '**/*.d.ts'])
    .map(file => file.slice(root.length).replace(/^\//, ''))
    .sort();
}

/** The untranslated strings the user reads in the source files under a folder. */
export function untranslatedUnder(
  root: string,
  skipped: ReadonlySet<string>
): IUntranslated[] {
  const found: IUntranslated[] = [];
  for (const file of sourceFiles(root)) {
    if (!skipped.has(file)) {
      found.push(
        ...untranslatedIn(file, ts.sys.readFile(`${root}/${file}`) ?? '')
      );
    }
  }
  return found;
}
