/**
 * The service as integration tests use it: createService with the test realm's configuration and a
 * logger whose every line is kept (in memory, for assertions, and in a file under .data/test-logs
 * that the log scan reads after the whole suite).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.js';
import { createService, type ServiceDeps } from '../../src/main.js';
import { createAuditLog } from '../../src/observability/audit.js';
import { createLogger } from '../../src/observability/logger.js';
import { serviceEnv } from './env.js';
import { LOG_DIR } from './secrets.js';

export interface TestService extends ReturnType<typeof createService> {
  /** Every log line written so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Every audit event written so far, parsed. */
  auditEvents: Array<Record<string, unknown>>;
}

/** A stream that appends to a file under .data/test-logs (for the log scan) and keeps parsed lines. */
function keptLines(file: string): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      appendFileSync(file, text);
      for (const line of text.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, lines };
}

/** `deps`: a fake host lookup, a fake clock (tests/support/clock.ts) to move instead of sleeping. */
export function createTestService(overrides: Record<string, string | undefined> = {}, deps: ServiceDeps = {}): TestService {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = keptLines(`${LOG_DIR}/service-${process.pid}.log`);
  const audit = keptLines(`${LOG_DIR}/audit-${process.pid}.jsonl`);
  const config = loadConfig(serviceEnv({ LOG_LEVEL: 'debug', ...overrides }));
  const service = createService(config, createLogger({ level: config.logLevel, destination: log.stream }), createAuditLog({ destination: audit.stream }), deps);
  return Object.assign(service, { logs: log.lines, auditEvents: audit.lines });
}
