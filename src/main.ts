/** `npm start`: the panel with its settings from the environment. */
import { startPanel } from './app.js';
import { loadConfig } from './config.js';

try {
  const panel = await startPanel(loadConfig());
  // One stop, whichever signal comes first (a second SIGINT, unheard, ends the process at once).
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    panel.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`smm-panel: while stopping: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`smm-panel: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
