/**
 * `fillTemplate` splits each template once and fills it by concatenation (issue 14); it must fill
 * exactly as the regular expression it replaced, for any template and any values: keys known or
 * not, braces unbalanced, nested or empty, keys named like Object properties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillTemplate } from '../../src/simulator/user-data/words.js';

/** The former implementation. */
const byRegExp = (template: string, values: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? key);

const piece = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom(
    '{',
    '}',
    '{}',
    '{{a}}',
    '{a',
    'a}',
    '{project}',
    '{name}',
    '{n}',
    '{constructor}',
    '{__proto__}',
    '{a b}',
    '{é}',
    '$&',
    '$1',
  ),
);

describe('fillTemplate fills as the regular expression did', () => {
  it('for arbitrary templates and values (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')),
        fc.dictionary(fc.constantFrom('project', 'name', 'n', 'a', 'x', 'constructor'), fc.string({ maxLength: 5 })),
        (template, values) => {
          expect(fillTemplate(template, values)).toBe(byRegExp(template, values));
          // A second time, from the parts kept for it.
          expect(fillTemplate(template, values)).toBe(byRegExp(template, values));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('fills the keys it is given and leaves unknown keys as their names', () => {
    expect(fillTemplate('Re: {project} status with {name}', { project: 'Atlas' })).toBe('Re: Atlas status with name');
    expect(fillTemplate('{n}{n}', { n: '$&' })).toBe('$&$&');
  });
});
