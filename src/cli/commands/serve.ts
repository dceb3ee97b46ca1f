import { startServer } from '../../../workers/serve.ts';
import type { Command } from '../main.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run everything in one process: migrations, HTTP server, send worker and scheduler',
  usage: `
Usage: gazette serve

Runs migrations, then the HTTP server (console, API, public pages), the send worker and the
digest scheduler in one process. Without DATABASE_URL it uses PGlite in $DATA_DIR/pg and
starts the local SES endpoint, whose web viewer shows every message sent.
Stops cleanly on SIGTERM or Ctrl-C.`,
  async run(_args, environment) {
    const server = await startServer(environment, { banner: true });
    const code = await new Promise<number>((resolve) => {
      let signals = 0;
      const shutdown = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals > 1) {
          // A second Ctrl-C or SIGTERM means "now": leases left behind expire and are reported.
          server.runtime.logger.warn({ signal }, 'second signal: exiting without waiting');
          process.exit(130);
        }
        server.runtime.logger.info({ signal }, 'signal received');
        server.stop().then(
          () => resolve(0),
          (error: unknown) => {
            server.runtime.logger.error({ err: error }, 'shutdown failed');
            resolve(1);
          },
        );
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    });
    // Everything is closed; a library timer or socket left behind must not keep the process up.
    setTimeout(() => process.exit(code), 2_000).unref();
    return code;
  },
};
