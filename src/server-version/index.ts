/** BlackBerry Enterprise Server release numbers: parse, format, compare. */
export * from './server-version.js';
