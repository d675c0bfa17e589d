import { describe, expect, it } from 'vitest';
import { resp } from '../protocol/resp-value.js';
import { respToJson, resultEnvelope } from './resp-json.js';

describe('respToJson', () => {
  it('writes strings, integers, nulls and arrays the Upstash way', () => {
    const value = resp.array([
      resp.bulk('a"b'),
      resp.integer(7),
      resp.nullBulk(),
      resp.array([resp.simple('x')]),
    ]);
    expect(respToJson(value, false)).toBe('["a\\"b",7,null,["x"]]');
    expect(JSON.parse(respToJson(value, true))).toEqual(['YSJi', 7, null, ['eA==']]);
  });

  it('leaves only a top-level OK unencoded in base64 mode', () => {
    expect(respToJson(resp.simple('OK'), true)).toBe('"OK"');
    expect(respToJson(resp.simple('OK'), true, false)).toBe('"T0s="');
    expect(respToJson(resp.array([resp.simple('OK')]), true)).toBe('["T0s="]');
    expect(respToJson(resp.simple('PONG'), true)).toBe('"UE9ORw=="');
  });

  it('keeps every digit of large integers', () => {
    expect(respToJson(resp.integer(12345678901234567890n), false)).toBe('12345678901234567890');
  });

  it('flattens RESP3 maps and spells doubles, booleans and sets like RESP2', () => {
    const map = resp.map([
      [resp.bulk('k'), resp.double(1.5)],
      [resp.bulk('b'), resp.boolean(true)],
    ]);
    expect(respToJson(map, false)).toBe('["k","1.5","b",1]');
    expect(respToJson(resp.set([resp.bulk('m')]), false)).toBe('["m"]');
  });

  it('is binary-safe in base64 mode', () => {
    const bytes = Buffer.from([0, 0xff, 0xfe]);
    expect(JSON.parse(respToJson(resp.bulk(bytes), true))).toBe(bytes.toString('base64'));
  });

  it('wraps a reply in {result} or {error}', () => {
    expect(resultEnvelope(resp.error('NOSCRIPT No matching script'), true)).toBe(
      '{"error":"NOSCRIPT No matching script"}',
    );
    expect(resultEnvelope(resp.integer(1), true)).toBe('{"result":1}');
    expect(respToJson(resp.array([resp.error('ERR x')]), false)).toBe('[{"error":"ERR x"}]');
  });
});
