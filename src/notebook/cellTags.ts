/**
 * The tags of the cells of a live notebook model, read and written the way
 * the Property Inspector's Cell Tags field does.
 */
import { ICellModel } from '@jupyterlab/cells';

import { ICellTags } from './jobCells';

/** The string tags of a cell. */
export function tagsOf(cell: ICellModel): string[] {
  const tags = cell.getMetadata('tags');
  return Array.isArray(tags)
    ? tags.filter((tag): tag is string => typeof tag === 'string')
    : [];
}

/** Give a cell `tags` (no `tags` key when there are none); unchanged tags are left alone. */
export function setTags(cell: ICellModel, tags: ReadonlyArray<string>): void {
  const before = tagsOf(cell);
  if (
    before.length === tags.length &&
    before.every((tag, index) => tag === tags[index])
  ) {
    return;
  }
  if (tags.length) {
    cell.setMetadata('tags', [...tags]);
  } else {
    cell.deleteMetadata('tags');
  }
}

/** What the job model needs of each cell: its type and tags, in order. */
export function cellTagsOf(cells: Iterable<ICellModel>): ICellTags[] {
  return Array.from(cells, cell => ({
    cellType: cell.type,
    tags: tagsOf(cell)
  }));
}
