import { describe, expect, it } from 'vitest';
import { pageWindow } from '../src/paging.js';

describe('pageWindow', () => {
  it('defaults to the first page of 20, as the API document does', () => {
    expect(pageWindow()).toEqual({ skip: 0, limit: 20 });
    expect(pageWindow(undefined, 5)).toEqual({ skip: 0, limit: 5 });
  });

  it('skips the pages before the one asked for', () => {
    expect(pageWindow(1, 10)).toEqual({ skip: 0, limit: 10 });
    expect(pageWindow(3, 10)).toEqual({ skip: 20, limit: 10 });
    expect(pageWindow(2)).toEqual({ skip: 20, limit: 20 });
  });
});
