// Tiny GETs for readiness probes, with the cluster's CA and client certificate.
import { get as httpGet } from 'node:http';
import { get as httpsGet, type RequestOptions } from 'node:https';
import { readFileSync } from 'node:fs';
import type { KeyPair } from './pki.ts';

export interface Response {
  readonly status: number;
  readonly body: string;
}

export async function fetchText(url: string, tls?: { caPath: string; client?: KeyPair }): Promise<Response> {
  const options: RequestOptions = { timeout: 2_000 };
  if (tls !== undefined) {
    options.ca = readFileSync(tls.caPath);
    if (tls.client !== undefined) {
      options.cert = readFileSync(tls.client.certPath);
      options.key = readFileSync(tls.client.keyPath);
    }
  }
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const request = get(url, options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}
