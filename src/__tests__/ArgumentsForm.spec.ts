import { describeArguments } from '../components/ArgumentsLine';
import { ArgumentsForm, readValue } from '../dialogs/ArgumentsForm';

describe('ArgumentsForm', () => {
  const parameters = {
    schema: 'shop',
    min_price: 0.0,
    limit: 10,
    dry_run: false,
    regions: ['eu', 'us']
  };

  function field(form: ArgumentsForm, name: string): HTMLInputElement {
    return form.node.querySelector(`input[name="${name}"]`)!;
  }

  it('shows every parameter with its default', () => {
    const form = new ArgumentsForm(parameters);
    const labels = Array.from(form.node.querySelectorAll('label span')).map(
      span => span.textContent
    );
    expect(labels).toEqual([
      'schema',
      'min_price',
      'limit',
      'dry_run',
      'regions'
    ]);
    expect(field(form, 'schema').value).toBe('shop');
    expect(field(form, 'min_price').value).toBe('0');
    expect(field(form, 'regions').value).toBe('["eu","us"]');
    expect(field(form, 'limit').getAttribute('aria-label')).toBe('limit');
  });

  it('sends only what was changed, typed like the default', () => {
    const form = new ArgumentsForm(parameters);
    expect(form.getValue()).toEqual({});
    field(form, 'schema').value = '42';
    field(form, 'limit').value = '25';
    field(form, 'dry_run').value = 'true';
    field(form, 'regions').value = '["eu"]';
    expect(form.getValue()).toEqual({
      schema: '42',
      limit: 25,
      dry_run: true,
      regions: ['eu']
    });
  });

  it('sends text that is not JSON as text, for the server to refuse', () => {
    expect(readValue('cheap', 0.0)).toBe('cheap');
    expect(readValue('5.5', 0.0)).toBe(5.5);
    expect(readValue('null', 'text')).toBe('null');
  });

  it('says so when the job has no parameters', () => {
    const form = new ArgumentsForm({});
    expect(form.node.textContent).toContain('no parameters cell');
    expect(form.getValue()).toEqual({});
  });
});

describe('describeArguments', () => {
  it('lists name=value pairs, text as it is', () => {
    expect(describeArguments({})).toBe('');
    expect(
      describeArguments({ schema: 'shop', min_price: 5, tags: ['a'] })
    ).toBe('schema=shop, min_price=5, tags=["a"]');
  });
});
