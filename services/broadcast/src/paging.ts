/** Defaults of the read endpoints, as the API document's paged lists have them. */
export const DEFAULT_PAGE = 1;
export const DEFAULT_PER_PAGE = 20;

export interface PageWindow {
  skip: number;
  limit: number;
}

/**
 * `page` (from 1) and `per_page` as a skip/limit window. Missing values take the defaults; values
 * were already checked against the schema, so this only does arithmetic.
 */
export function pageWindow(page: number = DEFAULT_PAGE, perPage: number = DEFAULT_PER_PAGE): PageWindow {
  return { skip: (page - 1) * perPage, limit: perPage };
}
