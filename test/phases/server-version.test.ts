/**
 * The server version a simulator acts as, as the handset learns it in the key grant and reports it
 * in the activation result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { type Rig, createRig } from './helpers.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('server version', () => {
  it('a simulator acting as "BES for Domino 4.1 SP 6 Maintenance Release #4" is reported parsed and formatted', async () => {
    rig = createRig({ seed: 'version/domino', server: { version: 'BES for Domino 4.1 SP 6 Maintenance Release #4' } });
    const established: unknown[] = [];
    rig.handset.on('key-established', (r) => established.push(r.serverVersion));
    const result = await rig.activate();

    const expected = { flavour: 'Domino', major: 4, minor: 1, servicePack: 6, maintenanceRelease: 4 };
    expect(rig.sim.serverVersion).toEqual(expected);
    expect(result.serverVersion).toEqual(expected);
    expect(result.server.version).toBe('BlackBerry Enterprise Server for IBM Lotus Domino 4.1 SP6 MR4');
    expect(rig.sim.identity.version).toBe(result.server.version);
    expect(established).toEqual([expected]);
    expect(rig.handset.state.server?.version).toBe('BlackBerry Enterprise Server for IBM Lotus Domino 4.1 SP6 MR4');
  });

  it.each([
    [
      'besx416mr4',
      { flavour: 'Exchange', major: 4, minor: 1, servicePack: 6, maintenanceRelease: 4 },
      'BlackBerry Enterprise Server for Microsoft Exchange 4.1 SP6 MR4',
    ],
    [
      '5.0 SP3 (Bundle 36)',
      { major: 5, minor: 0, servicePack: 3, maintenanceRelease: 0, bundle: 36 },
      'BlackBerry Enterprise Server 5.0 SP3 (Bundle 36)',
    ],
  ] as const)('acting as %j', async (version, expected, text) => {
    rig = createRig({ seed: `version/${version}`, server: { version } });
    const result = await rig.activate();
    expect(result.serverVersion).toEqual(expected);
    expect(result.server.version).toBe(text);
  });

  it('a version object is taken as is', async () => {
    const version = { flavour: 'GroupWise', major: 4, minor: 1, servicePack: 2, maintenanceRelease: 0 } as const;
    rig = createRig({ seed: 'version/object', server: { version } });
    const result = await rig.activate();
    expect(result.serverVersion).toEqual(version);
    expect(result.server.version).toBe('BlackBerry Enterprise Server for Novell GroupWise 4.1 SP2');
  });

  it.each(['garbage', '', 'BES for Domino', '0.9 SP1', '4.1.6 SP5', 'besx416mr4.tar'])(
    'refuses version %j at construction with INVALID_ARGUMENT',
    (version) => {
      let error: unknown;
      try {
        new BesSimulator({ version });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ActivationError);
      expect((error as ActivationError).code).toBe('INVALID_ARGUMENT');
    },
  );

  it('refuses an invalid version object at construction with INVALID_ARGUMENT', () => {
    expect(() => new BesSimulator({ version: { major: 0, minor: 1, servicePack: 0, maintenanceRelease: 0 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
