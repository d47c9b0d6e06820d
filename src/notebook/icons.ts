import { LabIcon } from '@jupyterlab/ui-components';

const STEP_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M4 4h4v4H4V4zm6 1h10v2H10V5zM4 10h4v4H4v-4zm6 1h10v2H10v-2zm-6 5h4v4H4v-4zm6 1h10v2H10v-2z"/>
  </g>
</svg>`;

/** The icon of the "Toggle job step" command. */
export const stepIcon = new LabIcon({
  name: 'dataops-jupyter:step',
  svgstr: STEP_SVG
});
