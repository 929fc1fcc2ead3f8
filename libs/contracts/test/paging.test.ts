import { describe, expect, it } from 'vitest';
import { compileValidator, PageQuery, pageWindow } from '../src/index.js';

describe('pageWindow', () => {
  it('defaults to the first page of 20, as the API document does', () => {
    expect(pageWindow()).toEqual({ skip: 0, limit: 20 });
    expect(pageWindow(undefined, 5)).toEqual({ skip: 0, limit: 5 });
  });

  it('skips the pages before the one asked for', () => {
    expect(pageWindow(1, 10)).toEqual({ skip: 0, limit: 10 });
    expect(pageWindow(3, 7)).toEqual({ skip: 14, limit: 7 });
    expect(pageWindow(2)).toEqual({ skip: 20, limit: 20 });
  });
});

describe('PageQuery', () => {
  const validate = compileValidator(PageQuery);
  it('takes per_page up to 100 and refuses more, naming the field', () => {
    expect(validate({ page: 2, per_page: 100 })).toEqual({ page: 2, per_page: 100 });
    expect(() => validate({ per_page: 101 })).toThrow(/^per_page: /);
    expect(() => validate({ page: 0 })).toThrow(/^page: /);
  });
});
