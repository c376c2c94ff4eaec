/**
 * The platform clients' default transport (`node:http`, keep-alive): bodies, headers, compressed
 * answers, POST bodies, timeouts and network failures, against a real local server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTransport, nodeHttpTransport, transportOf } from '../../src/platforms/connector.js';

let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const echo = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body });
      switch (req.url ?? '') {
        case '/gzip':
          res.writeHead(200, { 'content-encoding': 'gzip', 'x-multi': ['a', 'b'] });
          res.end(gzipSync(echo));
          return;
        case '/deflate':
          res.writeHead(200, { 'content-encoding': 'deflate' });
          res.end(deflateSync('\ufeff{"ok":true}'));
          return;
        case '/bad-gzip':
          res.writeHead(200, { 'content-encoding': 'gzip' });
          res.end('not gzip');
          return;
        case '/hold':
          return; // never answers
        case '/cut':
          res.writeHead(200, { 'content-length': '100' });
          res.write('{"partial"');
          setTimeout(() => res.destroy(), 10);
          return;
        default:
          res.writeHead(404, { 'content-type': 'application/json', 'x-rate': '7' });
          res.end(echo);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('nodeHttpTransport', () => {
  const transport = nodeHttpTransport();

  it('sends method, headers and body; resolves any status with lower-case headers', async () => {
    const answer = await transport(`${base}/echo?a=1&b=(x:y)`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{"n":1}',
      timeoutMs: 2000,
    });
    expect(answer.status).toBe(404);
    expect(answer.headers['x-rate']).toBe('7');
    const echo = JSON.parse(answer.text) as {
      method: string;
      url: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(echo).toMatchObject({ method: 'POST', url: '/echo?a=1&b=(x:y)', body: '{"n":1}' });
    expect(echo.headers).toMatchObject({
      authorization: 'Bearer t',
      'content-length': '7',
      'accept-encoding': 'gzip, deflate, br',
      connection: 'keep-alive',
    });
  });

  it('undoes gzip and deflate, drops a BOM and joins repeated headers', async () => {
    const gz = await transport(new URL(`${base}/gzip`), {
      method: 'GET',
      headers: {},
      timeoutMs: 2000,
    });
    expect((JSON.parse(gz.text) as { url: string }).url).toBe('/gzip');
    expect(gz.headers['x-multi']).toBe('a, b');
    const df = await transport(`${base}/deflate`, { method: 'GET', headers: {}, timeoutMs: 2000 });
    expect(df.text).toBe('{"ok":true}');
  });

  it('rejects a body that does not decode', async () => {
    await expect(
      transport(`${base}/bad-gzip`, { method: 'GET', headers: {}, timeoutMs: 2000 }),
    ).rejects.toThrow();
  });

  it('times out with a TimeoutError', async () => {
    await expect(
      transport(`${base}/hold`, { method: 'GET', headers: {}, timeoutMs: 50 }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('rejects an answer cut short and a refused connection', async () => {
    await expect(
      transport(`${base}/cut`, { method: 'GET', headers: {}, timeoutMs: 2000 }),
    ).rejects.toThrow();
    await expect(
      transport('http://127.0.0.1:1/', { method: 'GET', headers: {}, timeoutMs: 2000 }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('transportOf', () => {
  it('uses a given fetch, with the timeout as an abort signal', async () => {
    let seen: RequestInit | undefined;
    const fake: typeof fetch = (_url, init) => {
      seen = init;
      return Promise.resolve(new Response('{"x":1}', { status: 201, headers: { 'X-A': 'b' } }));
    };
    const answer = await transportOf(fake)(`${base}/any`, {
      method: 'POST',
      headers: { a: 'b' },
      body: 'q',
      timeoutMs: 100,
    });
    expect(answer).toEqual({
      status: 201,
      headers: { 'x-a': 'b', 'content-type': expect.any(String) as string },
      text: '{"x":1}',
    });
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect(seen?.body).toBe('q');
    expect(
      await fetchTransport(fake)(`${base}/any`, { method: 'GET', headers: {}, timeoutMs: 100 }),
    ).toMatchObject({ status: 201 });
  });
});
