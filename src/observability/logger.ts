/**
 * Application logger (pino, JSON lines on stdout). Secrets must never reach a log line: code does not
 * log them, and as a second line of defence every field name that can carry one is redacted here.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Field paths whose values are replaced by "[redacted]" wherever they appear (one level deep too). */
export const REDACTED_PATHS = [
  'apiKey',
  'secret',
  'clientSecret',
  'client_secret',
  'password',
  'token',
  'accessToken',
  'access_token',
  'refresh_token',
  'authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refresh_token',
  '*.authorization',
];

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'byok-vault' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
