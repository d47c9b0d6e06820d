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
