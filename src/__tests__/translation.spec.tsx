import {
  ITranslator,
  TranslationBundle,
  nullTranslator
} from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { act } from 'react';

import { addCommands } from '../commands';
import { IMainArea } from '../commandHelpers';
import { DeploymentList } from '../components/DeploymentList';
import { JobList } from '../components/JobList';
import { formatRelativeTime } from '../components/time';
import { addDeploymentCommands } from '../deploymentCommands';
import { ArgumentsForm } from '../dialogs/ArgumentsForm';
import { JobSettingsForm } from '../dialogs/JobSettingsForm';
import { NewJobForm } from '../dialogs/NewJobForm';
import { ReasonForm } from '../dialogs/ReasonForm';
import { VersionPicker } from '../dialogs/VersionPicker';
import { DataOpsService } from '../service';
import { IDataJobsModel, IDeploymentsModel } from '../tokens';
import { TRANSLATION_DOMAIN, setAppTranslator } from '../translation';
import { extensionMissing } from '../request';
import { CheckReportView } from '../widgets/CheckReport';
import { DataJobsPanel } from '../widgets/DataJobsPanel';
import { DeploymentsSection } from '../widgets/DeploymentsSection';
import { JobsSection } from '../widgets/JobsSection';
import { TranslationContext } from '../translation';
import {
  makeCheck,
  makeControlJob,
  makeControlStatus,
  makeDeployment,
  makeExecution,
  makeJob,
  makeRun,
  makeStep,
  makeStepError
} from './fixtures';
import { mountReactRoot } from './reactRoot';

/**
 * A translator whose bundle marks what it translates: `«Run»`. Text the
 * user reads that is not marked did not go through the bundle.
 */
function markingTranslator(): ITranslator & { domains: string[] } {
  const plain = nullTranslator.load('');
  const mark = (text: string) => `«${text}»`;
  const bundle = {
    __: (msgid: string, ...args: any[]) => mark(plain.__(msgid, ...args)),
    _n: (one: string, many: string, n: number, ...args: any[]) =>
      mark(plain._n(one, many, n, ...args)),
    _p: (context: string, msgid: string, ...args: any[]) =>
      mark(plain._p(context, msgid, ...args)),
    _np: (
      context: string,
      one: string,
      many: string,
      n: number,
      ...args: any[]
    ) => mark(plain._np(context, one, many, n, ...args))
  } as unknown as TranslationBundle;
  const domains: string[] = [];
  return {
    domains,
    languageCode: 'xx',
    load: (domain: string) => {
      domains.push(domain);
      return bundle;
    }
  } as unknown as ITranslator & { domains: string[] };
}

/** The values of the fixtures that are shown as they are: names, ids, times. */
const DATA = new Set([
  'orders',
  'Loads orders',
  'ingest',
  'transform',
  '%%ingest raw.orders',
  '%%sql',
  'UTC',
  '(UTC)',
  'analytics',
  'KeyError',
  "KeyError: 'price'",
  ": KeyError: 'price'",
  'shop.products',
  'Rule not_null',
  'not_null',
  'analyst',
  'default',
  'API_KEY',
  'token',
  'schema',
  'Boom',
  'broken',
  'schema=token',
  'ingest, transform',
  '0 * * * * (UTC)',
  formatRelativeTime('2024-05-01T10:00:00Z'),
  new Date('2024-05-01T10:00:00Z').toLocaleString()
]);

/** Text without what the bundle marked (marks may hold marks: `«a «b»»`). */
function withoutMarks(text: string): string {
  let rest = text;
  for (;;) {
    const next = rest.replace(/«[^«»]*»/g, '');
    if (next === rest) {
      return rest;
    }
    rest = next;
  }
}

/**
 * What the user reads in a node that is not marked: the text of each
 * element (its elements left out, so that a message with a `<code>` in it
 * counts as one) and the title, aria-label and placeholder attributes;
 * names inside `<code>` are not words to translate.
 */
function unmarked(root: Element): string[] {
  const found: string[] = [];
  const check = (text: string | null) => {
    const value = withoutMarks(text ?? '').trim();
    if (/[A-Za-z]{2,}/.test(value) && !DATA.has(value)) {
      found.push(value);
    }
  };
  for (const element of [root, ...Array.from(root.querySelectorAll('*'))]) {
    if (element.tagName !== 'CODE') {
      check(
        Array.from(element.childNodes)
          .map(child =>
            child.nodeType === Node.TEXT_NODE ? child.textContent : ''
          )
          .join('')
      );
    }
    for (const name of ['title', 'aria-label', 'placeholder']) {
      check(element.getAttribute(name));
    }
  }
  return found;
}

describe('a translator given to the plugins', () => {
  const view = mountReactRoot();

  it('writes the sidebar, its sections and their rows', () => {
    const translator = markingTranslator();
    const commands = new CommandRegistry();
    const panel = new DataJobsPanel({ commands, translator });
    const model = { changed: { connect: jest.fn() } } as any as IDataJobsModel;
    const deployments = {
      changed: { connect: jest.fn() }
    } as any as IDeploymentsModel;
    const jobs = new JobsSection({ model, commands, translator });
    const deployed = new DeploymentsSection({
      model: deployments,
      commands,
      translator
    });
    // The panel's own parts are JupyterLab's strings.
    expect(new Set(translator.domains)).toEqual(
      new Set(['jupyterlab', TRANSLATION_DOMAIN])
    );
    expect(panel.title.caption).toBe('«Data Jobs»');
    expect(unmarked(panel.node)).toEqual([]);
    expect(jobs.title.label).toBe('«Jobs»');
    expect(deployed.title.label).toBe('«Deployments»');

    const trans = translator.load(TRANSLATION_DOMAIN);
    const failed = makeRun('orders', '20240501T100000-aaaa', 'failed', {
      arguments: { schema: 'token' },
      steps: [
        makeStep('ingest', 'succeeded'),
        makeStep('transform', 'failed', {
          checks: [makeCheck('not_null', 'failed')]
        })
      ],
      error: makeStepError(
        'transform',
        'orders.ipynb',
        2,
        'KeyError',
        "'price'"
      )
    });
    const running = makeRun('orders', '20240501T100000-bbbb', 'running', {
      steps: [makeStep('ingest', 'running'), makeStep('transform', 'pending')]
    });
    act(() =>
      view.root.render(
        <>
          <JobList
            trans={trans}
            jobs={[makeJob('orders')]}
            invalid={[{ path: 'broken', message: 'Boom' }]}
            runs={() => [running, failed]}
            hasLoaded={true}
            error={null}
            onRun={() => Promise.resolve()}
            onRunWithArguments={() => Promise.resolve()}
            onCancel={jest.fn()}
            onOpenLog={jest.fn()}
            onOpenOutput={jest.fn()}
            onRunAgain={jest.fn()}
            onGoToCell={jest.fn()}
            onOpenChecks={jest.fn()}
            onOpenJob={jest.fn()}
            deploy={{
              deployed: () => makeControlJob('orders'),
              isDeploying: () => false,
              onDeploy: () => Promise.resolve()
            }}
          />
          <DeploymentList
            trans={trans}
            configured={true}
            status={makeControlStatus()}
            jobs={[makeControlJob('orders')]}
            executions={() => [
              makeExecution('orders', '20240501T100000-cccc', 'user_error', {
                trigger: 'schedule'
              }),
              makeExecution('orders', '20240501T100000-dddd', 'running')
            ]}
            hasLoaded={true}
            error={null}
            onExecute={() => Promise.resolve()}
            onExecuteWithArguments={() => Promise.resolve()}
            onSetEnabled={() => Promise.resolve()}
            onCancel={jest.fn()}
            onOpenLog={jest.fn()}
            onOpenOutput={jest.fn()}
            onExecuteAgain={jest.fn()}
            onPickVersion={jest.fn()}
            onEditSettings={jest.fn()}
            onDelete={jest.fn()}
          />
          <TranslationContext.Provider value={trans}>
            <CheckReportView
              title="orders"
              checks={[makeCheck('not_null', 'failed', { sql: 'select 1' })]}
              message=""
              onReload={jest.fn()}
            />
          </TranslationContext.Provider>
        </>
      )
    );
    expect(view.container.querySelector('.dataops-job')).not.toBeNull();
    expect(view.container.querySelector('.dataops-execution')).not.toBeNull();
    expect(unmarked(view.container)).toEqual([]);
  });

  it('writes the sidebar when nothing loaded or the service is missing', () => {
    const trans = markingTranslator().load(TRANSLATION_DOMAIN);
    act(() =>
      view.root.render(
        <>
          <JobList
            trans={trans}
            jobs={[]}
            invalid={[]}
            runs={() => []}
            hasLoaded={true}
            error={null}
            onRun={() => Promise.resolve()}
            onCancel={jest.fn()}
          />
          <DeploymentList
            trans={trans}
            configured={false}
            status={null}
            jobs={[]}
            executions={() => []}
            hasLoaded={true}
            error={null}
            onExecute={() => Promise.resolve()}
            onSetEnabled={() => Promise.resolve()}
            onCancel={jest.fn()}
            onOpenLog={jest.fn()}
          />
        </>
      )
    );
    expect(view.container.textContent).toContain('«No data jobs found.');
    expect(unmarked(view.container)).toEqual([]);
  });

  it('writes the dialogs', () => {
    const translator = markingTranslator();
    const trans = translator.load(TRANSLATION_DOMAIN);
    const forms = [
      new NewJobForm({
        translator,
        preview: () => new Promise(() => undefined),
        values: { name: 'orders' }
      }),
      new NewJobForm({
        translator,
        preview: () => new Promise(() => undefined),
        notebook: 'orders.ipynb',
        offerSteps: true
      }),
      new ArgumentsForm({}, { trans }),
      new ReasonForm('', trans),
      new VersionPicker([makeDeployment('orders', 1)], trans),
      new JobSettingsForm({
        properties: '{}',
        secrets: ['API_KEY'],
        deleteSecret: () => Promise.resolve(),
        trans
      })
    ];
    for (const form of forms) {
      expect(unmarked(form.node)).toEqual([]);
    }
  });

  it('writes the labels and captions of the commands', () => {
    const translator = markingTranslator();
    const trans = translator.load(TRANSLATION_DOMAIN);
    const commands = new CommandRegistry();
    const mainArea: IMainArea = {
      open: jest.fn(),
      activate: jest.fn(),
      trans
    };
    const service = new DataOpsService();
    addCommands(commands, { service } as any as IDataJobsModel, mainArea);
    addDeploymentCommands(
      commands,
      { service } as any as IDeploymentsModel,
      mainArea
    );
    const ids = commands.listCommands();
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) {
      for (const args of [{}, { name: 'orders', enabled: false }]) {
        expect([id, commands.label(id, args)]).toEqual([
          id,
          expect.stringMatching(/^«.*»$/)
        ]);
        const caption = commands.caption(id, args);
        if (caption) {
          expect([id, caption]).toEqual([id, expect.stringMatching(/^«.*»$/)]);
        }
      }
    }
  });
});

describe('texts made where no plugin hands a translator down', () => {
  afterEach(() => setAppTranslator(null));

  it('use the application’s translator once it is set', () => {
    expect(extensionMissing(404).message).toMatch(/^The dataops-jupyter/);
    setAppTranslator(markingTranslator());
    expect(extensionMissing(404).message).toMatch(
      /^«The dataops-jupyter server extension is not running: .*»$/
    );
  });
});
