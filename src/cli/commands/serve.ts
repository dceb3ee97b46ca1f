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
    await new Promise<void>((resolve) => {
      const shutdown = () => {
        process.off('SIGINT', shutdown);
        process.off('SIGTERM', shutdown);
        server.stop().then(resolve, (error: unknown) => {
          server.runtime.logger.error({ err: error }, 'shutdown failed');
          resolve();
        });
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    });
    return 0;
  },
};
