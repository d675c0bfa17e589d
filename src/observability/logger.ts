// Structured logging: JSON lines (pino) by default, human-readable when stdout is a terminal or
// format 'pretty' is asked for. Every module takes a child logger with its own `component`.

import { type Logger, pino } from 'pino';

export type { Logger };

export type LogFormat = 'json' | 'pretty' | 'auto';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Destination file descriptor; 1 (stdout) by default, 2 for CLI commands whose stdout is data. */
  fd?: number;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const fd = options.fd ?? 1;
  const format = options.format ?? 'auto';
  const pretty =
    format === 'pretty' ||
    (format === 'auto' && Boolean(fd === 2 ? process.stderr.isTTY : process.stdout.isTTY));
  if (pretty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { destination: fd, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd, sync: false }));
}

/** A logger that discards everything; the default for library use and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
