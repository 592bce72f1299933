/**
 * Runs examples/testing-toolkit.test.ts (the toolkit's example suite, docs/testing-toolkit.md):
 * its tests register here when the file is imported, as a suite of this file.
 */
import '../../examples/testing-toolkit.test.js';
