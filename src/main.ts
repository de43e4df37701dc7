/** `npm start`: the panel with its settings from the environment. */
import { startPanel } from './app.js';
import { loadConfig } from './config.js';

try {
  const panel = await startPanel(loadConfig());
  const stop = async () => {
    await panel.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`smm-panel: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
