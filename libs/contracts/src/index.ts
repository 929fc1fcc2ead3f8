export * from './errors.js';
export * from './fields.js';
export * from './signature.js';
export * from './streams.js';
export * from './subjects.js';
export * from './validate.js';
