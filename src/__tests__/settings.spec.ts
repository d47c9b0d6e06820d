import { showErrorMessage } from '@jupyterlab/apputils';
import { ISettingRegistry, SettingRegistry } from '@jupyterlab/settingregistry';
import { IDataConnector } from '@jupyterlab/statedb';

import { DataOpsRequestError } from '../request';
import { DataOpsService } from '../service';
import { SettingsApplier, readSettings } from '../settings';
import { ControlConnectionRequest } from '../types';

// Jest loads JSON modules; the schema lies outside the compiled sources.
declare const require: (id: string) => any;
const schema = require('../../schema/plugin.json');

jest.mock('@jupyterlab/apputils', () => ({
  ...jest.requireActual('@jupyterlab/apputils'),
  showErrorMessage: jest.fn(() => Promise.resolve())
}));

const PLUGIN = 'dataops-jupyter:plugin';

/** Settings kept in memory, as the server's settings API keeps them in a file. */
class MemoryConnector implements IDataConnector<
  ISettingRegistry.IPlugin,
  string
> {
  raw = '{}';

  async fetch(id: string): Promise<ISettingRegistry.IPlugin> {
    return {
      id,
      data: { composite: {}, user: {} },
      raw: this.raw,
      schema: schema as unknown as ISettingRegistry.ISchema,
      version: '0.1.0'
    };
  }

  async list(): Promise<any> {
    return { ids: [PLUGIN], values: [await this.fetch(PLUGIN)] };
  }

  async save(id: string, raw: string): Promise<void> {
    this.raw = raw;
  }

  async remove(): Promise<void> {
    this.raw = '{}';
  }
}

/** The server's side of `PUT /dataops/control/connection`, as requests. */
class ConnectionServer extends DataOpsService {
  requests: ControlConnectionRequest[] = [];
  refuse: string | null = null;

  async setControlConnection(request: ControlConnectionRequest) {
    this.requests.push(request);
    if (this.refuse) {
      throw new DataOpsRequestError(400, this.refuse);
    }
    return {
      url: request.url || null,
      team: request.team || null,
      embedded: !request.url,
      token_set: !!request.token
    };
  }
}

async function setUp() {
  const connector = new MemoryConnector();
  const registry = new SettingRegistry({ connector });
  const settings = await registry.load(PLUGIN);
  const server = new ConnectionServer();
  const models = [{ refreshInterval: 10000 }, { refreshInterval: 10000 }];
  let switched = 0;
  const applier = new SettingsApplier({
    service: server,
    models,
    onConnectionChanged: () => (switched += 1),
    delay: 10
  });
  await applier.follow(settings);
  return { connector, settings, server, models, switched: () => switched };
}

/** Let the settings' change signal and the applier's answers run. */
const settle = () => new Promise(resolve => setTimeout(resolve, 100));

describe('Data Jobs settings', () => {
  beforeEach(() => (showErrorMessage as jest.Mock).mockClear());

  it('leaves the server its own control service while nothing is chosen', async () => {
    const { settings, server, models } = await setUp();
    expect(readSettings(settings)).toEqual({
      controlUrl: '',
      controlToken: '',
      team: '',
      refreshInterval: 10
    });
    expect(server.requests).toEqual([]);
    expect(models.map(m => m.refreshInterval)).toEqual([10000, 10000]);
  });

  it('sets the refresh interval of every model', async () => {
    const { settings, server, models } = await setUp();
    await settings.set('refreshInterval', 30);
    await settle();
    expect(models.map(m => m.refreshInterval)).toEqual([30000, 30000]);
    expect(server.requests).toEqual([]);
  });

  it('sends the token to the server and empties the setting at once', async () => {
    const { connector, settings, server, switched } = await setUp();
    await settings.set('controlUrl', 'http://127.0.0.1:8000');
    await settings.set('team', 'analytics');
    await settings.set('controlToken', 'tok-123');
    await settle();
    expect(server.requests[server.requests.length - 1]).toEqual({
      url: 'http://127.0.0.1:8000',
      team: 'analytics',
      token: 'tok-123'
    });
    expect(server.requests).toHaveLength(1);
    expect(settings.get('controlToken').composite).toBe('');
    expect(connector.raw).not.toContain('tok-123');
    expect(switched()).toBeGreaterThan(0);
    // Emptying the field sends nothing more: the server keeps the token.
    const sent = server.requests.length;
    await settle();
    expect(server.requests.length).toBe(sent);
  });

  it('shows the server’s refusal and still forgets the token', async () => {
    const { settings, server } = await setUp();
    server.refuse = "'url': 'ftp://x' is not a control service URL";
    await settings.set('controlUrl', 'ftp://x');
    await settings.set('controlToken', 'tok-9');
    await settle();
    expect(showErrorMessage).toHaveBeenCalledWith(
      'Control service settings',
      expect.stringContaining('is not a control service URL')
    );
    expect(settings.get('controlToken').composite).toBe('');
  });
});
