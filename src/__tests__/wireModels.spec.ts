/**
 * The control service's wire models in `src/types.ts` stay in step with its
 * OpenAPI document (docs/control-service-openapi.json).
 *
 * The fixtures are complete objects typed by the TypeScript interfaces (the
 * compiler rejects missing and unknown fields), so their keys are the
 * interfaces' fields.
 */
import { EXECUTION_STATUS_LABELS } from '../components/ExecutionBadge';
import {
  CheckResult,
  CheckSeverity,
  CheckStatus,
  ExecutionStep,
  ExecutionTrigger,
  LogChunk,
  SecretNames,
  SetSecretRequest,
  StepStatus
} from '../types';
import {
  makeControlJob,
  makeDeployment,
  makeExecution,
  makeStep,
  makeStepError
} from './fixtures';

// Jest loads JSON modules; the document lies outside the compiled sources.
declare const require: (id: string) => any;
declare const __dirname: string;
const openapi = require('../../docs/control-service-openapi.json');
const schemas: { [name: string]: any } = openapi.components.schemas;

const fields = (schema: string): string[] =>
  Object.keys(schemas[schema].properties).sort();
const keys = (value: object): string[] => Object.keys(value).sort();

describe('control service wire models', () => {
  it('ControlJob has the fields of Job', () => {
    expect(keys(makeControlJob('a'))).toEqual(fields('Job'));
  });

  it('Deployment has the fields of Deployment', () => {
    expect(keys(makeDeployment('a', 1))).toEqual(fields('Deployment'));
  });

  it('Execution has the fields of Execution', () => {
    expect(keys(makeExecution('a', 'e', 'running'))).toEqual(
      fields('Execution')
    );
  });

  it('ExecutionStep has the fields of StepResult', () => {
    const step: ExecutionStep = makeStep('ingest', 'succeeded');
    expect(keys(step)).toEqual(fields('StepResult'));
    expect(keys(makeStepError('ingest', 'a.ipynb', 1, 'E', 'x'))).toEqual(
      fields('StepError')
    );
    const statuses: { [status in StepStatus]: true } = {
      pending: true,
      running: true,
      succeeded: true,
      failed: true,
      cancelled: true,
      skipped: true
    };
    expect(Object.keys(statuses).sort()).toEqual(
      [...schemas.StepResult.properties.status.enum].sort()
    );
  });

  it('CheckResult has the fields, statuses and severities of CheckResult', () => {
    const check: CheckResult = {
      rule: 'all_products.price.minimum',
      table: 'shop.all_products',
      property: 'price',
      kind: 'minimum',
      description: 'prices are positive',
      severity: 'error',
      scope: 'row',
      status: 'failed',
      measured: 2,
      threshold: '= 0',
      unit: 'rows',
      sql: 'SELECT count(*) FROM shop.all_products WHERE price < 0',
      samples: [{ price: -1 }],
      reason: null
    };
    expect(keys(check)).toEqual(fields('CheckResult'));
    const statuses: { [status in CheckStatus]: true } = {
      passed: true,
      warning: true,
      failed: true,
      error: true,
      skipped: true
    };
    expect(Object.keys(statuses).sort()).toEqual(
      [...schemas.CheckResult.properties.status.enum].sort()
    );
    const severities: { [severity in CheckSeverity]: true } = {
      error: true,
      warning: true,
      info: true
    };
    expect(Object.keys(severities).sort()).toEqual(
      [...schemas.CheckResult.properties.severity.enum].sort()
    );
    expect(schemas.StepResult.properties.checks.items.$ref).toBe(
      '#/components/schemas/CheckResult'
    );
  });

  it('LogChunk has the fields of LogChunk', () => {
    const chunk: LogChunk = { text: '', offset: 0, complete: true };
    expect(keys(chunk)).toEqual(fields('LogChunk'));
  });

  it('the secret models have the fields of SecretNames and SecretValue', () => {
    const names: SecretNames = { names: [] };
    const value: SetSecretRequest = { value: 's3cr3t' };
    expect(keys(names)).toEqual(fields('SecretNames'));
    expect(keys(value)).toEqual(fields('SecretValue'));
  });

  it('knows every execution status and trigger', () => {
    expect(Object.keys(EXECUTION_STATUS_LABELS).sort()).toEqual(
      [...schemas.Execution.properties.status.enum].sort()
    );
    const triggers: { [trigger in ExecutionTrigger]: true } = {
      manual: true,
      schedule: true,
      retry: true
    };
    expect(Object.keys(triggers).sort()).toEqual(
      [...schemas.Execution.properties.trigger.enum].sort()
    );
  });
});

/*
 * The server extension's own answers (`/dataops/...`) in `src/types.ts` stay
 * in step with its JSON Schema (docs/server-schema.json): read from the
 * source of `types.ts` by the TypeScript compiler, each interface has the
 * fields of the model of the same name, optional where the schema does not
 * require them, nullable where the schema allows null, naming the same
 * models and the same literal values.
 */
const ts = require('typescript');
const serverSchema = require('../../docs/server-schema.json');
const serverDefs: { [name: string]: any } = serverSchema.$defs;
const typesSource = ts.createSourceFile(
  'types.ts',
  require('fs').readFileSync(
    require('path').join(__dirname, '..', 'types.ts'),
    'utf8'
  ),
  ts.ScriptTarget.Latest,
  true
);

/** Interfaces and type aliases of `types.ts`, by name. */
const declarations = new Map<string, any>();
ts.forEachChild(typesSource, (node: any) => {
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
    declarations.set(node.name.text, node);
  }
});

/** A type alias's type, followed to the end (`ExecutionStep` → `StepResult`). */
function resolve(node: any): any {
  while (ts.isTypeReferenceNode(node)) {
    const declaration = declarations.get(node.typeName.getText());
    if (!declaration || !ts.isTypeAliasDeclaration(declaration)) {
      break;
    }
    node = declaration.type;
  }
  return node;
}

/** The property signatures of an interface, with those it extends. */
function members(declaration: any): any[] {
  const inherited = (declaration.heritageClauses ?? []).flatMap((clause: any) =>
    clause.types.flatMap((base: any) =>
      members(declarations.get(base.expression.getText()))
    )
  );
  return [...inherited, ...declaration.members.filter(ts.isPropertySignature)];
}

function isNull(node: any): boolean {
  return (
    ts.isLiteralTypeNode(node) &&
    node.literal.kind === ts.SyntaxKind.NullKeyword
  );
}

function tsNullable(node: any): boolean {
  node = resolve(node);
  return ts.isUnionTypeNode(node)
    ? node.types.some((t: any) => isNull(t) || tsNullable(t))
    : isNull(node);
}

/** The string literals of a union type (`'queued' | 'running'`), if it is one. */
function tsLiterals(node: any): string[] | null {
  node = resolve(node);
  const types = ts.isUnionTypeNode(node) ? node.types : [node];
  const values = types
    .filter((t: any) => !isNull(t))
    .map((t: any) =>
      ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)
        ? t.literal.text
        : null
    );
  return values.every((v: any) => v !== null) ? values.sort() : null;
}

/** The interfaces of `types.ts` a property's type names (through aliases). */
function tsModels(node: any, found = new Set<string>()): Set<string> {
  const visit = (child: any): void => {
    if (ts.isTypeReferenceNode(child)) {
      const name = child.typeName.getText();
      const declaration = declarations.get(name);
      if (declaration && ts.isInterfaceDeclaration(declaration)) {
        found.add(name);
      } else if (declaration) {
        visit(declaration.type);
      }
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

function schemaNullable(schema: any): boolean {
  if (schema.type === 'null') {
    return true;
  }
  if (Array.isArray(schema.type)) {
    return schema.type.includes('null');
  }
  return [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].some(
    schemaNullable
  );
}

function schemaModels(schema: any): Set<string> {
  const refs = JSON.stringify(schema).match(/#\/\$defs\/\w+/g) ?? [];
  return new Set(refs.map(ref => ref.slice('#/$defs/'.length)));
}

function schemaLiterals(schema: any): string[] | null {
  const variants = [schema, ...(schema.anyOf ?? [])];
  const withEnum = variants.find((v: any) => Array.isArray(v.enum));
  return withEnum ? [...withEnum.enum].sort() : null;
}

/**
 * Differences between the properties of a TS interface (or object literal
 * type) and a schema definition; `checked` collects the definitions seen.
 */
function compare(
  label: string,
  properties: any[],
  definition: string,
  checked: Set<string>
): string[] {
  checked.add(definition);
  const schema = serverDefs[definition];
  const required = new Set<string>(schema.required ?? []);
  const problems: string[] = [];
  const names = properties.map(p => p.name.getText()).sort();
  const expected = Object.keys(schema.properties).sort();
  if (JSON.stringify(names) !== JSON.stringify(expected)) {
    problems.push(
      `${label}: fields ${names.join(', ')} ≠ ${definition}: ${expected.join(', ')}`
    );
  }
  for (const property of properties) {
    const name = property.name.getText();
    const field = schema.properties[name];
    if (!field) {
      continue;
    }
    const where = `${label}.${name}`;
    if (!!property.questionToken !== !required.has(name)) {
      problems.push(
        `${where}: ${property.questionToken ? 'optional' : 'required'} in TS, ` +
          `${required.has(name) ? 'required' : 'optional'} in ${definition}`
      );
    }
    if (tsNullable(property.type) !== schemaNullable(field)) {
      problems.push(
        `${where}: ${tsNullable(property.type) ? '' : 'not '}nullable in TS, ` +
          `${schemaNullable(field) ? '' : 'not '}nullable in ${definition}`
      );
    }
    const literal = resolve(property.type);
    if (ts.isTypeLiteralNode(literal) && field.$ref) {
      const nested = [...schemaModels(field)][0];
      problems.push(
        ...compare(
          where,
          literal.members.filter(ts.isPropertySignature),
          nested,
          checked
        )
      );
      continue;
    }
    const named = [...tsModels(property.type)].sort();
    const refs = [...schemaModels(field)].sort();
    if (JSON.stringify(named) !== JSON.stringify(refs)) {
      problems.push(`${where}: names ${named} in TS, ${refs} in ${definition}`);
    }
    const values = schemaLiterals(field);
    if (
      values &&
      JSON.stringify(tsLiterals(property.type)) !== JSON.stringify(values)
    ) {
      problems.push(
        `${where}: values ${tsLiterals(property.type)} ≠ ${values}`
      );
    }
  }
  return problems;
}

describe('server extension wire models', () => {
  it('every model of docs/server-schema.json is mirrored field for field', () => {
    const checked = new Set<string>();
    const problems: string[] = [];
    for (const definition of Object.keys(serverDefs)) {
      const declaration = declarations.get(definition);
      if (declaration && ts.isInterfaceDeclaration(declaration)) {
        problems.push(
          ...compare(definition, members(declaration), definition, checked)
        );
      }
    }
    expect(problems).toEqual([]);
    // The others are object types written out where they are used.
    expect([...checked].sort()).toEqual(Object.keys(serverDefs).sort());
  });

  it('every route of docs/server-schema.json answers with a mirrored model', () => {
    for (const answers of Object.values<any>(serverSchema.routes)) {
      for (const model of schemaModels(answers)) {
        expect(declarations.has(model)).toBe(true);
      }
    }
    expect(serverSchema.error.$ref).toBe('#/$defs/ErrorBody');
  });
});
