import { LabIcon } from '@jupyterlab/ui-components';

const DATA_JOBS_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 2C7.58 2 4 3.57 4 5.5v13C4 20.43 7.58 22 12 22s8-1.57 8-3.5v-13C20 3.57 16.42 2 12 2zm0 2c3.87 0 6 1.2 6 1.5S15.87 7 12 7 6 5.8 6 5.5 8.13 4 12 4zM6 8.07C7.47 8.65 9.64 9 12 9s4.53-.35 6-.93V12c0 .3-2.13 1.5-6 1.5S6 12.3 6 12V8.07zm0 6.5c1.47.58 3.64.93 6 .93s4.53-.35 6-.93v3.93c0 .3-2.13 1.5-6 1.5s-6-1.2-6-1.5v-3.93z"/>
  </g>
</svg>`;

/** The icon of the Data Jobs sidebar. */
export const dataJobsIcon = new LabIcon({
  name: 'dataops-jupyter:data-jobs',
  svgstr: DATA_JOBS_SVG
});
