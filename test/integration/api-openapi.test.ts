/** The OpenAPI document: valid OpenAPI 3.1, every registered API route in it with its schemas. */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiFixture, apiFixture } from './api-helpers.js';

let f: ApiFixture;
beforeAll(async () => {
  f = await apiFixture();
});
afterAll(async () => {
  await f?.close();
});

const openapiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

describe('OpenAPI', () => {
  it('serves a document that validates as OpenAPI 3', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json() as OpenAPIV3_1.Document;
    expect(doc.openapi).toMatch(/^3\./);
    // validate() dereferences in place; give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('lists every /api route with parameters, body and every response status', async () => {
    const doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json() as OpenAPIV3_1.Document;
    const routes = f.app.routeTable.filter((r) => r.url.startsWith('/api/'));
    for (const route of routes) {
      const op = (
        doc.paths?.[openapiPath(route.url)] as Record<string, OpenAPIV3_1.OperationObject> | undefined
      )?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.url} in /openapi.json`).toBeDefined();
      const statuses = Object.keys(op!.responses ?? {});
      expect(
        statuses.some((s) => s.startsWith('2')),
        `${route.url} success response`,
      ).toBe(true);
      expect(statuses, `${route.url} error responses`).toEqual(expect.arrayContaining(['400', '404', '500']));
      if (route.auth !== 'public') {
        expect(statuses).toEqual(expect.arrayContaining(['401', '403']));
        expect(op!.security ?? doc.security).toEqual([{ bearer: [] }]);
      } else {
        expect(op!.security).toEqual([]);
      }
      for (const name of route.url.match(/:([A-Za-z]+)/g) ?? []) {
        const p = (op!.parameters as OpenAPIV3_1.ParameterObject[]).find((x) => x.name === name.slice(1));
        expect(p?.in, `${route.url} path parameter ${name}`).toBe('path');
        expect(p?.schema).toBeDefined();
      }
      if (route.method === 'POST' && !route.url.endsWith('/imports') && !route.url.endsWith('/scans')) {
        expect(op!.requestBody, `${route.url} request body`).toBeDefined();
      }
    }
    expect(doc.components?.schemas?.ErrorEnvelope).toBeDefined();
    expect(doc.components?.securitySchemes?.bearer).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('serves Swagger UI at /docs', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/docs/' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('swagger-ui');
    const spec = await f.app.inject({ method: 'GET', url: '/docs/json' });
    expect(Object.keys(spec.json().paths)).toContain('/api/v1/nodes/{id}/neighbours');
  });
});
