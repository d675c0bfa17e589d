// Writes one log line through the real logger with the format given as argv[2] (json | pretty |
// auto), so a test can see what a terminal and what a pipe get.

import { createLogger, type LogFormat } from '../../src/observability/logger.js';

const logger = createLogger({ level: 'info', format: (process.argv[2] ?? 'auto') as LogFormat });
logger.child({ component: 'gateway' }).info({ port: 6380 }, 'gateway listening');
