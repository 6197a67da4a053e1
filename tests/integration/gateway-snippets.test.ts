/**
 * The web UI's "Use from code" samples (ui/src/snippets.ts) run as a person would paste them: the
 * OpenAI and Anthropic SDK samples with Node (the unmodified packages) and the curl samples with sh,
 * each with only BYOK_TOKEN set to the user's access token, against the gateway and a fake of each API.
 * The upstream sees the user's stored key, and what the sample prints is what the upstream answered.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gatewayUse, TOKEN_VARIABLE } from '../../ui/src/snippets.js';
import type { FakeLlm } from '../support/fake-llm.js';
import { type Gateway, gatewayPerTest } from '../support/gateway.js';
import { keyedUser } from '../support/resolve.js';

let fake: FakeLlm;
let gateway: Gateway;
gatewayPerTest((started) => ({ fake, gateway } = started));

// Under the repository, so that the samples' imports find its node_modules.
const DIR = new URL('../../.data/snippets/', import.meta.url).pathname;

/** Runs `command` with BYOK_TOKEN set (and no proxy variables: the gateway is on loopback). */
function run(command: string, args: string[], token: string): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/proxy/i.test(name) && name !== 'NODE_OPTIONS'));
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...env, [TOKEN_VARIABLE]: token }, timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} failed: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

const printed: Record<string, (body: Record<string, unknown>) => unknown> = {
  openai: (body) => (body.choices as Array<{ message: { content: string } }>)[0]?.message.content,
  anthropic: (body) => (body.content as Array<{ text: string }>)[0]?.text,
};

test.each([
  ['openai', '/v1/chat/completions'],
  ['anthropic', '/v1/messages'],
])('the %s SDK and curl samples run unchanged with the user token in BYOK_TOKEN', async (provider, upstreamPath) => {
  const user = await keyedUser(gateway.service.app);
  const key = await user.addKey(provider);
  const use = gatewayUse(gateway.url, provider);
  mkdirSync(DIR, { recursive: true });
  const file = `${DIR}${provider}-${process.pid}.mjs`;
  writeFileSync(file, use.sdk.code);

  const sdkPrinted = await run(process.execPath, [file], user.token);
  const sdkRequest = fake.requests[0];
  expect(sdkRequest?.key).toBe(key.secret);
  expect(sdkRequest?.path).toBe(upstreamPath);
  expect(sdkPrinted.trim()).toBe(sdkRequest?.replyText);

  const curlPrinted = await run('sh', ['-c', use.curl.code], user.token);
  const curlRequest = fake.requests[1];
  expect(curlRequest?.key).toBe(key.secret);
  expect(curlRequest?.path).toBe(upstreamPath);
  expect(printed[provider]?.(JSON.parse(curlPrinted) as Record<string, unknown>)).toBe(curlRequest?.replyText);
  // The caller's token went no further than the gateway.
  expect(JSON.stringify(fake.requests.map((r) => r.headers))).not.toContain(user.token);
  expect(fake.requests).toHaveLength(2);
});
