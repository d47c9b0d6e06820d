import { VersionPicker, describeVersion } from '../dialogs/VersionPicker';
import { makeDeployment } from './fixtures';

describe('VersionPicker', () => {
  const deployments = [
    makeDeployment('orders', 3, { active: false, reason: 'fix prices' }),
    makeDeployment('orders', 2, { active: true, created_by: '' }),
    makeDeployment('orders', 1, { active: false })
  ];

  it('lists the versions newest first with the active one selected', () => {
    const picker = new VersionPicker(deployments);
    const select = picker.node.querySelector('select')!;
    expect(select.getAttribute('aria-label')).toBe('Version that runs');
    const options = Array.from(select.options);
    expect(options.map(option => option.value)).toEqual(['3', '2', '1']);
    expect(options[0].textContent).toMatch(
      /^v3 · .+ · by analyst · fix prices$/
    );
    expect(options[1].textContent).toMatch(/^v2 · .+ \(active\)$/);
    expect(picker.getValue()).toBe(2);
  });

  it('answers the version the user chose', () => {
    const picker = new VersionPicker(deployments);
    const select = picker.node.querySelector('select')!;
    select.value = '1';
    select.dispatchEvent(new Event('change'));
    expect(picker.getValue()).toBe(1);
  });

  it('describes a version without author or reason briefly', () => {
    const text = describeVersion(
      makeDeployment('orders', 4, { created_by: '', active: false })
    );
    expect(text).toBe(
      `v4 · ${new Date('2024-05-01T09:00:00Z').toLocaleString()}`
    );
  });
});
