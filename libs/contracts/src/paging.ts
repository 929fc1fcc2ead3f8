import { type Static, Type } from '@sinclair/typebox';

/** Paged lists, as the API document has them: `page` from 1 (default 1), `per_page` default 20. */
export const DEFAULT_PAGE = 1;
export const DEFAULT_PER_PAGE = 20;
/** The largest `per_page`; more is a 400, not silently clipped. */
export const MAX_PER_PAGE = 100;

/** `?page=&per_page=` of every list endpoint. */
export const PageQuery = Type.Object(
  {
    page: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, default: DEFAULT_PAGE, description: 'from 1' }),
    ),
    per_page: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PER_PAGE,
        default: DEFAULT_PER_PAGE,
        description: 'at most 100',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

export interface PageWindow {
  skip: number;
  limit: number;
}

/** `page` and `per_page` as a skip/limit window; the schema has already bounded both. */
export function pageWindow(page: number = DEFAULT_PAGE, perPage: number = DEFAULT_PER_PAGE): PageWindow {
  return { skip: (page - 1) * perPage, limit: perPage };
}
