import {
  RenderMimeRegistry,
  standardRendererFactories
} from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { DataOpsRequestError } from '../request';
import { DataOpsService } from '../service';
import {
  OutputNotebook,
  executionNotebook,
  runNotebook
} from '../widgets/OutputNotebook';

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [
    {
      cell_type: 'markdown',
      id: 'm',
      metadata: {},
      source: ['# Products\n', 'The report.']
    },
    {
      cell_type: 'code',
      id: 'c1',
      metadata: { tags: ['step:report'] },
      execution_count: 3,
      source: 'print(42)\ndf',
      outputs: [
        { output_type: 'stream', name: 'stdout', text: ['42\n'] },
        {
          output_type: 'execute_result',
          execution_count: 3,
          metadata: {},
          data: {
            'text/plain': ['   n\n0  1'],
            'text/html': ['<table><tr><td>1</td></tr></table>']
          }
        }
      ]
    },
    {
      cell_type: 'code',
      id: 'c2',
      metadata: {},
      execution_count: null,
      source: 'scratch = 1',
      outputs: []
    }
  ]
};

describe('OutputNotebook', () => {
  const rendermime = new RenderMimeRegistry({
    initialFactories: standardRendererFactories
  });

  afterEach(() => jest.restoreAllMocks());

  it('shows the cells of a run’s output notebook with their outputs', async () => {
    const service = new DataOpsService();
    const get = jest
      .spyOn(service, 'getRunNotebook')
      .mockResolvedValue(NOTEBOOK as any);
    const viewer = new OutputNotebook({
      source: runNotebook(service, 'products', 'r1'),
      rendermime
    });
    Widget.attach(viewer, document.body);
    await viewer.ready;
    expect(get).toHaveBeenCalledWith('r1');
    const node = viewer.node;
    expect(node.querySelector('.dataops-output-title')!.textContent).toBe(
      'products · run r1'
    );
    expect(node.querySelector('.dataops-output-note')!.textContent).toBe(
      'Output notebook · read-only'
    );
    const cells = Array.from(node.querySelectorAll('.dataops-output-cell'));
    expect(cells.map(cell => (cell as HTMLElement).dataset.cellType)).toEqual([
      'markdown',
      'code',
      'code'
    ]);
    const step = cells[1] as HTMLElement;
    expect(step.dataset.step).toBe('report');
    expect(step.querySelector('.dataops-output-step')!.textContent).toBe(
      'step report'
    );
    expect(step.querySelector('.dataops-output-prompt')!.textContent).toBe(
      '[3]:'
    );
    expect(step.querySelector('.dataops-output-source')!.textContent).toBe(
      'print(42)\ndf'
    );
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(
      step.querySelector('.dataops-output-outputs')!.textContent
    ).toContain('42');
    expect(step.querySelector('table')).not.toBeNull();
    expect(cells[2].querySelector('.dataops-output-outputs')).toBeNull();
    // Nothing can be edited.
    expect(node.querySelector('textarea, [contenteditable="true"]')).toBeNull();
    viewer.dispose();
  });

  it('says why an execution has no output notebook, and loads again', async () => {
    const service = new DataOpsService();
    const get = jest
      .spyOn(service, 'getExecutionNotebook')
      .mockRejectedValueOnce(
        new DataOpsRequestError(
          404,
          'execution e1 has no output notebook (yet)',
          'not_found'
        )
      )
      .mockResolvedValueOnce(NOTEBOOK as any);
    const viewer = new OutputNotebook({
      source: executionNotebook(service, 'products', 'e1'),
      rendermime
    });
    await viewer.ready;
    expect(get).toHaveBeenCalledWith('products', 'e1');
    expect(viewer.error).toBe('execution e1 has no output notebook (yet)');
    expect(
      viewer.node.querySelector('.dataops-output-message')!.textContent
    ).toBe(
      'Could not load the output notebook: execution e1 has no output notebook (yet)'
    );
    (
      viewer.node.querySelector('.dataops-output-reload') as HTMLButtonElement
    ).click();
    await new Promise(resolve => viewer.loaded.connect(resolve));
    expect(viewer.error).toBeNull();
    expect(viewer.node.querySelectorAll('.dataops-output-cell')).toHaveLength(
      3
    );
    viewer.dispose();
  });
});
