/**
 * Runs the app: `node src/main.js` (or `npm start`) with the settings in the environment
 * (docs/shopify.md).
 */
import { readConfig } from './config.js';
import { createApp } from './app.js';

const config = readConfig();
const { app, close } = await createApp(config);
const server = app.listen(config.port, () => console.log(`chinwag-shopify listening on ${config.port}`));
const stop = () => server.close(() => close().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
