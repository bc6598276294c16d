import { describe, expect, it } from 'vitest';
import { urlWithoutCredentials } from './url-without-credentials.ts';

describe('urlWithoutCredentials', () => {
  it('drops the user and password, keeping scheme, host, port, path and query', () => {
    expect(urlWithoutCredentials('https://hq:s3cret@central.example:8443/base/?x=1')).toBe('https://central.example:8443/base/?x=1');
    expect(urlWithoutCredentials('http://only-user@10.0.0.5/')).toBe('http://10.0.0.5/');
    expect(urlWithoutCredentials('postgres://app:pw%40x@db:5432/central')).toBe('postgres://db:5432/central');
  });

  it('leaves a URL without credentials as written, and text that is no URL as it is', () => {
    expect(urlWithoutCredentials('http://central.example')).toBe('http://central.example');
    expect(urlWithoutCredentials('not a url')).toBe('not a url');
  });
});
