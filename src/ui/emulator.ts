/**
 * The emulator page's script (src/serve/emulator-page.ts), bundled for browsers by tsup.config.ts
 * into `dist/ui/emulator.js`: the handset's screen and the administrator's view. Loaded with
 * `defer`, so the page's elements exist when it runs.
 */
import { startAdminView } from './admin-view.js';
import { startHandsetView } from './handset-view.js';

startHandsetView();
startAdminView();
