/** The accounts file of `serve --users-file` (src/cli/users-file.ts): JSON or CSV, every defect typed, no password in a message. */
import { describe, expect, it } from 'vitest';
import { parseUsersFile } from '../../src/cli/users-file.js';
import { expectCode } from '../support/errors.js';

describe('parseUsersFile', () => {
  it('reads a JSON array, with and without display names', () => {
    expect(
      parseUsersFile(
        '[{"email":"a@example.com","password":"pw-aaaaaa"},{"email":"b@example.com","password":"pw-bbbbbb","displayName":"Bee"}]',
      ),
    ).toEqual([
      { email: 'a@example.com', password: 'pw-aaaaaa' },
      { email: 'b@example.com', password: 'pw-bbbbbb', displayName: 'Bee' },
    ]);
  });

  it('reads CSV with its columns in any order, skipping blank lines, with CRLF', () => {
    expect(parseUsersFile('\r\npassword,email,displayName\r\npw-aaaaaa,a@example.com,Ay\r\n\r\npw-bbbbbb,b@example.com,\r\n')).toEqual([
      { email: 'a@example.com', password: 'pw-aaaaaa', displayName: 'Ay' },
      { email: 'b@example.com', password: 'pw-bbbbbb' },
    ]);
  });

  it('refuses what is not a list of accounts, naming the entry or line and never the password', () => {
    const cases = [
      '',
      '[]',
      '[1]',
      '{"email":"a@example.com"}',
      '[{"email":"a@example.com","password":7}]',
      '[{"email":"","password":"secret-one"}]',
      '[{"email":"a@example.com","password":"secret-one","displayName":5}]',
      'email,pass\na@example.com,secret-one',
      'email,password\na@example.com,secret-one,extra',
      'email,password\n',
      '[{"email":"a@example.com","password":"secret-one"',
    ];
    for (const text of cases) {
      const err = expectCode(() => parseUsersFile(text), 'INVALID_ARGUMENT');
      expect(err.message, text).not.toContain('secret-one');
      expect(err.message).toMatch(/^users file: /);
    }
    expect(expectCode(() => parseUsersFile('email,password\na@example.com,secret-one,extra'), 'INVALID_ARGUMENT').message).toContain(
      'line 2',
    );
    expect(expectCode(() => parseUsersFile('[{"email":"a@example.com","password":"x"},{}]'), 'INVALID_ARGUMENT').message).toContain(
      'entry 1',
    );
  });
});
