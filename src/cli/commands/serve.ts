import { startServer, type RunningServer } from '../../../workers/serve.ts';
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
    // Signals are handled from the start: one that arrives while migrations run or PGlite opens
    // waits for the start to finish and then stops cleanly, instead of killing the process
    // with the data directory half-written.
    let server: RunningServer | undefined;
    let signals = 0;
    let requestStop: (signal: NodeJS.Signals) => void = () => {};
    const stopRequested = new Promise<NodeJS.Signals>((resolve) => (requestStop = resolve));
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        // A second Ctrl-C or SIGTERM means "now": leases left behind expire and are reported.
        server?.runtime.logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(130);
      }
      requestStop(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    server = await startServer(environment, { banner: true });
    const signal = await stopRequested;
    server.runtime.logger.info({ signal }, 'signal received');
    let code = 0;
    try {
      await server.stop();
    } catch (error) {
      server.runtime.logger.error({ err: error }, 'shutdown failed');
      code = 1;
    }
    // Everything is closed; a library timer or socket left behind must not keep the process up.
    setTimeout(() => process.exit(code), 2_000).unref();
    return code;
  },
};
