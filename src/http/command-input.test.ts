import { describe, expect, it } from 'vitest';
import {
  commandFromJson,
  commandFromPath,
  commandsFromJson,
  percentDecode,
  queryArgs,
} from './command-input.js';
import { HttpError } from './http-errors.js';

const text = (args: Buffer[]) => args.map((a) => a.toString('latin1'));

describe('command input', () => {
  it('turns JSON arrays into arguments; numbers and booleans become their text', () => {
    expect(text(commandFromJson(['SET', 'k', 1.5, true]))).toEqual(['SET', 'k', '1.5', 'true']);
    expect(text(commandFromJson(['U0VU', 'aw=='], 'base64'))).toEqual(['SET', 'k']);
  });

  it('refuses anything else with a 400 naming the position', () => {
    const fail = (value: unknown, encoding?: 'base64') => {
      try {
        commandFromJson(value, encoding);
      } catch (err) {
        expect(err).toBeInstanceOf(HttpError);
        return (err as HttpError).message;
      }
      throw new Error('did not throw');
    };
    expect(fail({})).toMatch(/must be a JSON array/);
    expect(fail([])).toMatch(/is empty/);
    expect(fail(['GET', null])).toMatch(/command\[1\] must be a string, number or boolean, got null/);
    expect(fail(['GET', { a: 1 }])).toMatch(/got object/);
    expect(fail(['GET', Number.POSITIVE_INFINITY])).toMatch(/finite/);
    expect(fail(['!!'], 'base64')).toMatch(/not valid base64/);
    expect(() => commandsFromJson([['GET', 'a'], 'GET'])).toThrow(/pipeline\[1\] must be a JSON array/);
  });

  it('percent-decodes to raw bytes and rejects broken escapes', () => {
    expect(percentDecode('a%00b%FF')).toEqual(Buffer.from([0x61, 0, 0x62, 0xff]));
    expect(percentDecode('a+b')).toEqual(Buffer.from('a+b'));
    expect(percentDecode('a+b', true)).toEqual(Buffer.from('a b'));
    expect(() => percentDecode('bad%2')).toThrow(/malformed percent-escape/);
    expect(() => percentDecode('bad%zz')).toThrow(/malformed percent-escape/);
  });

  it('reads path-style commands: segments, then the body, then query parameters', () => {
    expect(text(commandFromPath('/set/foo/bar', '', null))).toEqual(['set', 'foo', 'bar']);
    expect(text(commandFromPath('/set/foo', 'EX=100&NX&_token=secret', Buffer.from('{"v":1}')))).toEqual([
      'set',
      'foo',
      '{"v":1}',
      'EX',
      '100',
      'NX',
    ]);
    expect(text(commandFromPath('/get/a%2Fb/', '', Buffer.alloc(0)))).toEqual(['get', 'a/b']);
    expect(text(commandFromPath('/set/k//', '', null))).toEqual(['set', 'k', '']);
    expect(() => commandFromPath('/', '', null)).toThrow(/no command in the path/);
    expect(text(queryArgs('a=1&b=x%20y+z', new Set()))).toEqual(['a', '1', 'b', 'x y z']);
  });
});
