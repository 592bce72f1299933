export { caught, expectCode } from '../support/errors.js';
