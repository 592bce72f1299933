/** BlackBerry Enterprise Server release numbers: parse, format, compare; and what a release can do. */
export * from './server-version.js';
export * from './capabilities.js';
