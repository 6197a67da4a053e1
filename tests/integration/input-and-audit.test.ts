/**
 * Small ones of issue 12 (item 8) against the real Keycloak: labels must be well-formed Unicode on
 * every endpoint that takes one (and in KeyService itself); a JSON endpoint answers a body of another
 * media type with 415; the audit file is mode 0600, after rotation too; reports that take a key out
 * of rotation and admin reads of someone's keys are audit events (read back from the JSONL).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createAuditLog } from '../../src/observability/audit.js';
import { createTestService } from '../support/app.js';
import { masterAdmin, userToken } from '../support/keycloak.js';
import { internalToken, keyedUser, resolver } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';

const service = createTestService();
const { app } = service;
const LONE_SURROGATES = ['bad \ud800 label', '\udc00', 'tail \ud83d'];

async function newGroup(): Promise<string> {
  const kc = await masterAdmin();
  return (await kc.groups.create({ name: `team-${randomBytes(4).toString('hex')}` })).id;
}

/** Sends `body` as JSON text exactly as JSON.stringify writes it (a lone surrogate as the escape \ud800). */
const asJson = (body: unknown) => JSON.stringify(body);

describe('labels are well-formed Unicode', () => {
  test('a lone surrogate in a label is 400 VALIDATION_FAILED on every user and admin endpoint that takes a label', async () => {
    const owner = await keyedUser(app);
    const { id: keyId } = await owner.addKey('openai');
    const admin = await userToken({ username: 'ops', password: 'ops' });
    const groupId = await newGroup();
    const teamKey = await request(app).post(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${admin}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
    expect(teamKey.status).toBe(201);

    for (const label of LONE_SURROGATES) {
      expect(asJson(label)).toMatch(/\\ud[89a-f][0-9a-f]{2}/); // what the client sends: a JSON escape
      const attempts = [
        request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${owner.token}`).send(asJson({ provider: 'openai', apiKey: testApiKey('openai'), label })),
        request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${owner.token}`).send(asJson({ provider: 'openai', apiKey: testApiKey('openai'), keyId, label })),
        request(app).patch(`/api/v1/byok/keys/openai/${keyId}`).set('Authorization', `Bearer ${owner.token}`).send(asJson({ label })),
        request(app).post(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${admin}`).send(asJson({ provider: 'openai', apiKey: testApiKey('openai'), label })),
        request(app).patch(`/api/v1/admin/groups/${groupId}/keys/openai/${teamKey.body.id}`).set('Authorization', `Bearer ${admin}`).send(asJson({ label })),
      ];
      for (const attempt of attempts) {
        const response = await attempt.set('Content-Type', 'application/json');
        expect([response.status, response.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
        expect(response.body.error.details).toContainEqual(expect.objectContaining({ path: 'label' }));
      }
    }
    // A well-formed label with a surrogate pair (an emoji) is fine.
    const emoji = await request(app).patch(`/api/v1/byok/keys/openai/${keyId}`).set('Authorization', `Bearer ${owner.token}`).send({ label: 'rocket 🚀' });
    expect([emoji.status, emoji.body.label]).toEqual([200, 'rocket 🚀']);
    const listed = await request(app).get('/api/v1/byok/keys?provider=openai').set('Authorization', `Bearer ${owner.token}`);
    expect(listed.body.providers[0].keys).toHaveLength(1);
  });

  test('KeyService checks its own input: add, replace and update refuse a lone surrogate', async () => {
    const owner = await keyedUser(app);
    const { id: keyId } = await owner.addKey('openai');
    const user = { kind: 'user', id: owner.id } as const;
    await expect(service.keys.add(user, { provider: 'openai', apiKey: testApiKey('openai'), label: 'x\ud800' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(service.keys.replace(user, keyId, { provider: 'openai', apiKey: testApiKey('openai'), label: '\udfff' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(service.keys.update(user, 'openai', keyId, { label: '\ud800' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('JSON endpoints take JSON only', () => {
  test('a body sent as text/plain, a form or without a Content-Type is 415 UNSUPPORTED_MEDIA_TYPE, on Express routes and the hot path', async () => {
    const owner = await keyedUser(app);
    const internal = await internalToken();
    const json = asJson({ provider: 'openai', apiKey: testApiKey('openai') });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'text/json']) {
      const added = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${owner.token}`).set('Content-Type', type).send(json);
      expect([type, added.status, added.body.error?.code]).toEqual([type, 415, 'UNSUPPORTED_MEDIA_TYPE']);
      const resolved = await request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${internal}`).set('Content-Type', type).send(asJson({ userId: owner.id, provider: 'openai' }));
      expect([type, resolved.status, resolved.body.error?.code]).toEqual([type, 415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
    // No Content-Type at all, with a body (a raw request: clients add a type of their own otherwise).
    const untyped = await fetch(`http://127.0.0.1:${await listening()}/api/v1/byok/preferences`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${owner.token}` },
      body: new Blob([asJson({ strict: true })]), // a Blob without a type: no Content-Type header
    });
    expect([untyped.status, ((await untyped.json()) as { error: { code: string } }).error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    // application/json with parameters is JSON; a request without a body needs no type.
    const typed = await request(app).put('/api/v1/byok/preferences').set('Authorization', `Bearer ${owner.token}`).set('Content-Type', 'Application/JSON; charset=utf-8').send(asJson({ strict: false }));
    expect(typed.status).toBe(200);
    expect((await request(app).post('/api/v1/byok/keys/test/openai').set('Authorization', `Bearer ${owner.token}`)).status).toBe(200);
    expect((await request(app).delete('/api/v1/byok/keys/openai').set('Authorization', `Bearer ${owner.token}`)).status).toBe(204);
  });
});

let server: import('node:http').Server | undefined;
async function listening(): Promise<number> {
  const { createServer } = await import('node:http');
  server ??= await new Promise((done) => {
    const s = createServer(app).listen(0, '127.0.0.1', () => done(s));
  });
  return (server!.address() as import('node:net').AddressInfo).port;
}
afterAll(() => server?.close());

describe('audit', () => {
  const flushed = () => new Promise((done) => setTimeout(done, 50));

  test('the audit file is created mode 0600, an older wider file is narrowed, and the file made after rotation is 0600 too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byok-audit-'));
    const file = join(dir, 'nested', 'audit.jsonl');
    const log = createAuditLog({ destination: file });
    log.record({ action: 'key.add', outcome: 'success', actor: { subject: 's-1' } });
    await flushed();
    log.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    renameSync(file, `${file}.1`); // logrotate
    log.reopen();
    log.record({ action: 'key.delete', outcome: 'success', actor: { subject: 's-1' } });
    await flushed();
    log.flush();
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('"key.delete"');

    const older = join(dir, 'older.jsonl');
    writeFileSync(older, '');
    chmodSync(older, 0o644);
    createAuditLog({ destination: older }).flush();
    expect(statSync(older).mode & 0o777).toBe(0o600);
  });

  test('reports that take a key out of rotation are audited (who, owner, provider, key id, outcome); ok and error reports are not', async () => {
    const owner = await keyedUser(app);
    const { id: keyId, secret } = await owner.addKey('openai');
    const internal = resolver(app, await internalToken());
    const before = service.auditEvents.length;
    for (const outcome of ['ok', 'error', 'rate_limited', 'unauthorized']) {
      expect((await internal.report({ userId: owner.id, provider: 'openai', keyId, outcome })).status).toBe(204);
    }
    expect((await internal.report({ userId: owner.id, provider: 'openai', keyId: 'k-does-not-exist', outcome: 'quota_exceeded' })).status).toBe(404);
    await flushed();
    const events = service.auditEvents.slice(before).filter((event) => event.action === 'key.report');
    expect(events).toEqual([
      expect.objectContaining({ outcome: 'success', reportedOutcome: 'rate_limited', owner: { kind: 'user', id: owner.id }, provider: 'openai', keyId, actor: expect.objectContaining({ clientId: 'byok-internal-demo' }) }),
      expect.objectContaining({ outcome: 'success', reportedOutcome: 'unauthorized', owner: { kind: 'user', id: owner.id }, provider: 'openai', keyId }),
      expect.objectContaining({ outcome: 'denied', errorCode: 'KEY_NOT_FOUND', reportedOutcome: 'quota_exceeded', provider: 'openai', keyId: 'k-does-not-exist' }),
    ]);
    expect(JSON.stringify(service.auditEvents)).not.toContain(secret);
  });

  test("admin reads of a user's and a group's keys are audited", async () => {
    const owner = await keyedUser(app);
    const { secret } = await owner.addKey('openai');
    const admin = await userToken({ username: 'ops', password: 'ops' });
    const groupId = await newGroup();
    const before = service.auditEvents.length;
    expect((await request(app).get(`/api/v1/admin/users/${owner.id}/keys`).set('Authorization', `Bearer ${admin}`)).status).toBe(200);
    expect((await request(app).get(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${admin}`)).status).toBe(200);
    // A user is refused (403 by the gate, before the route): nothing was read.
    expect((await request(app).get(`/api/v1/admin/users/${owner.id}/keys`).set('Authorization', `Bearer ${owner.token}`)).status).toBe(403);
    await flushed();
    const reads = service.auditEvents.slice(before).filter((event) => event.action === 'keys.read');
    expect(reads).toEqual([
      expect.objectContaining({ outcome: 'success', owner: { kind: 'user', id: owner.id }, actor: expect.objectContaining({ username: 'ops' }) }),
      expect.objectContaining({ outcome: 'success', owner: { kind: 'group', id: groupId }, actor: expect.objectContaining({ username: 'ops' }) }),
    ]);
    expect(JSON.stringify(service.auditEvents)).not.toContain(secret);
  });
});
