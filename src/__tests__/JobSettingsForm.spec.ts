import { JobSettingsForm, parseProperties } from '../dialogs/JobSettingsForm';

describe('JobSettingsForm', () => {
  function make(deleteSecret = jest.fn(() => Promise.resolve())) {
    const form = new JobSettingsForm({
      properties: '{\n  "threshold": 5\n}',
      secrets: ['API_KEY', 'DB_PASSWORD'],
      deleteSecret
    });
    const get = <T extends Element>(selector: string) =>
      form.node.querySelector(selector) as unknown as T;
    return { form, get, deleteSecret };
  }

  it('shows the properties and the secret names, never a value', () => {
    const { form, get } = make();
    expect(get<HTMLTextAreaElement>('textarea').value).toContain('"threshold"');
    const names = Array.from(
      form.node.querySelectorAll('.dataops-secret-list code')
    );
    expect(names.map(name => name.textContent)).toEqual([
      'API_KEY',
      'DB_PASSWORD'
    ]);
    expect(get<HTMLInputElement>('input[aria-label="Secret value"]').type).toBe(
      'password'
    );
    expect(form.getValue()).toEqual({
      properties: '{\n  "threshold": 5\n}',
      secret: null
    });
  });

  it('gives a secret to set only with both a name and a value', () => {
    const { form, get } = make();
    get<HTMLInputElement>('input[aria-label="Secret name"]').value = ' TOKEN ';
    expect(form.getValue().secret).toBeNull();
    get<HTMLInputElement>('input[aria-label="Secret value"]').value = 'abc';
    expect(form.getValue().secret).toEqual({ name: 'TOKEN', value: 'abc' });
  });

  it('deletes a secret at once and says so, or why not', async () => {
    let fail = false;
    const deleteSecret = jest.fn(async () => {
      if (fail) {
        throw new Error('the service does not answer');
      }
    });
    const { form, get } = make(deleteSecret);
    get<HTMLButtonElement>(
      'button[aria-label="Delete secret API_KEY"]'
    ).click();
    await Promise.resolve();
    await Promise.resolve();
    expect(deleteSecret).toHaveBeenCalledWith('API_KEY');
    expect(form.node.querySelector('[data-secret="API_KEY"]')).toBeNull();
    expect(get<HTMLElement>('[role="status"]').textContent).toBe(
      'Deleted the secret API_KEY.'
    );

    fail = true;
    const other = get<HTMLButtonElement>(
      'button[aria-label="Delete secret DB_PASSWORD"]'
    );
    other.click();
    await Promise.resolve();
    await Promise.resolve();
    expect(
      form.node.querySelector('[data-secret="DB_PASSWORD"]')
    ).not.toBeNull();
    expect(other.disabled).toBe(false);
    expect(get<HTMLElement>('[role="status"]').textContent).toBe(
      'Cannot delete DB_PASSWORD: the service does not answer'
    );
    expect(get<HTMLElement>('.dataops-secret-list').classList).not.toContain(
      'dataops-mod-empty'
    );
  });
});

describe('parseProperties', () => {
  it('reads a JSON object, and nothing as no properties', () => {
    expect(parseProperties('{"a": 1}')).toEqual({ a: 1 });
    expect(parseProperties('  ')).toEqual({});
  });

  it('says what is wrong with anything else', () => {
    expect(() => parseProperties('{"a": ')).toThrow(
      /^The properties are not valid JSON: /
    );
    expect(() => parseProperties('[1, 2]')).toThrow(
      'The properties must be a JSON object, like {"threshold": 5}.'
    );
  });
});
