'use strict';
/**
 * @file artillery-engine-enterprise-activation: an Artillery 2.x engine whose virtual users each
 * activate one simulated handset against an `enterprise-activation serve` (README.md). The
 * protocol is the library's: each activation is `activateFleetDevice` of
 * `enterprise-activation/node`, the device `fleetDevices(...)(index)`, as `enterprise-activation
 * fleet` activates them. This file only maps Artillery's scenario onto it and the result onto
 * Artillery's metrics:
 *
 * - `enterprise_activation.phase.<phase>` (histogram, ms) for each phase of an activation that
 *   completed (`activation`, `encryption-verification`, `services`, `synchronization`, `total`);
 * - `enterprise_activation.activations.ok` and `enterprise_activation.activations.failed` (counters);
 * - a failed activation as an Artillery error named by its `ActivationError` code (Artillery counts
 *   it as `errors.<code>`, e.g. `errors.WRONG_PASSWORD`), and the virtual user fails.
 *
 * Which device a virtual user activates: an activation password is single use, and two handsets
 * with one PIN or one account at once conflict, so no two activations of a run may share a device.
 * Each engine instance (Artillery makes one per worker thread) counts its activations k = 0, 1, 2...
 * and takes device `first - 1 + k * W + (w - 1)`, where `w` of `W` is its worker: the `worker` and
 * `totalWorkers` Artillery writes into each worker's phases when it divides a run between local
 * workers (1 of 1 without them). The workers' devices interleave and never meet; the devices used
 * are about the first N, N the number of activations, plus a few per worker where the workers' shares of the
 * arrivals differ. Separate Artillery processes (other machines, a distributed run) cannot see each
 * other: give each its own `first`.
 */

/** The engine's name in `config.engines` (Artillery loads `artillery-engine-<name>`). */
const NAME = 'enterprise-activation';
/** Prefix of every metric the engine emits. */
const PREFIX = 'enterprise_activation';

/**
 * @typedef {object} EngineConfig `config.engines.enterprise-activation` of a script.
 * @property {string} seed The `serve`'s `--seed`: the devices' accounts and passwords derive from it.
 * @property {string} [domain] The `serve`'s `--domain` (default `example.com`).
 * @property {number} [first] The account number of the engine's device 0 (default 1: `user00001`).
 * @property {'websocket' | 'poll'} [mode] How handsets reach the relay (default `websocket`).
 * @property {'noble' | 'node'} [crypto] The handsets' cryptography (default `noble`; `node`: node:crypto).
 */

/**
 * Reads and checks the engine's part of the script's config. `mode` and `crypto` are checked
 * against the library's own lists (`FLEET_MODES`, `FLEET_CRYPTO`), so that the engine accepts
 * exactly what `activateFleetDevice` does.
 * @param {Record<string, any>} script The Artillery script.
 * @param {{ FLEET_MODES: readonly string[], FLEET_CRYPTO: readonly string[] }} library `enterprise-activation/node`.
 * @returns {Required<Pick<EngineConfig, 'seed' | 'first'>> & Pick<EngineConfig, 'mode' | 'crypto'> & { domain: string | undefined, target: string }}
 */
function readConfig(script, library) {
  const config = (script.config && script.config.engines && script.config.engines[NAME]) || {};
  const target = script.config && script.config.target;
  const fail = (what) => {
    throw new Error(`artillery-engine-${NAME}: ${what}`);
  };
  // Absent stays absent: activateFleetDevice applies the library's defaults.
  const oneOf = (field, allowed) => {
    const value = config[field];
    if (value !== undefined && !allowed.includes(value)) {
      fail(`config.engines.${NAME}.${field} must be ${allowed.map((a) => `'${a}'`).join(' or ')}`);
    }
    return value;
  };
  // The rule of the library's activateFleetDevice: a scheme and a host, in a URL that parses.
  if (typeof target !== 'string' || !/^https?:\/\/[^\s/]+/.test(target) || !URL.canParse(target)) {
    fail("config.target must be the serve's http(s) URL");
  }
  if (typeof config.seed !== 'string' || config.seed.length === 0) fail(`config.engines.${NAME}.seed must be the serve's --seed`);
  const first = config.first === undefined ? 1 : config.first;
  if (!Number.isInteger(first) || first < 1) fail(`config.engines.${NAME}.first must be a whole number from 1`);
  const mode = oneOf('mode', library.FLEET_MODES);
  const crypto = oneOf('crypto', library.FLEET_CRYPTO);
  if (config.domain !== undefined && typeof config.domain !== 'string') fail(`config.engines.${NAME}.domain must be a string`);
  return { target, seed: config.seed, domain: config.domain, first, mode, crypto };
}

/**
 * This worker's place among the run's local workers: Artillery's `divideWork` writes `worker`
 * (from 1) and `totalWorkers` into every phase of each worker's script.
 * @param {Record<string, any>} script The worker's script.
 * @returns {{ worker: number, workers: number }}
 */
function workerSlot(script) {
  const phase = ((script.config && script.config.phases) || []).find((p) => Number.isInteger(p.worker) && Number.isInteger(p.totalWorkers));
  if (phase === undefined || phase.worker < 1 || phase.worker > phase.totalWorkers) return { worker: 1, workers: 1 };
  return { worker: phase.worker, workers: phase.totalWorkers };
}

/** The Artillery engine: one per worker thread. */
class EnterpriseActivationEngine {
  /**
   * @param {Record<string, any>} script The (worker's) Artillery script.
   * @param {import('node:events').EventEmitter} ee The engine's event emitter.
   * @param {Record<string, any>} helpers Artillery's engine helpers (`createThink`, `template`...).
   */
  constructor(script, ee, helpers) {
    this.script = script;
    this.ee = ee;
    this.helpers = helpers;
    /** `enterprise-activation/node`, loaded once. */
    this.library = require('enterprise-activation/node');
    this.config = readConfig(script, this.library);
    this.slot = workerSlot(script);
    /** Activations this engine has started. */
    this.started = 0;
    /** @type {Promise<void> | undefined} The target's check, once asked (see targetAnswers). */
    this.checked = undefined;
    this.device = this.library.fleetDevices({
      seed: this.config.seed,
      ...(this.config.domain !== undefined ? { domain: this.config.domain } : {}),
    });
  }

  /**
   * Resolves once a relay has answered at the target (`checkFleetTarget`, `GET /v1/health`): asked
   * before this engine's first activation, and again after a failed check. A handset retries as a
   * real one does, so against a wrong URL each virtual user would fail with `TIMEOUT` only after
   * about 75 s; with the check it fails at once with `TRANSPORT_ERROR`, and a server that comes up
   * later is still found.
   * @returns {Promise<void>}
   */
  targetAnswers() {
    if (this.checked === undefined) {
      this.checked = this.library.checkFleetTarget(this.config.target).catch((err) => {
        this.checked = undefined;
        throw err;
      });
    }
    return this.checked;
  }

  /**
   * The next device of this worker (see the file comment).
   * @returns {{ index: number, pin: string, email: string, password: string, uid: string }}
   */
  nextDevice() {
    const k = this.started++;
    return this.device(this.config.first - 1 + k * this.slot.workers + (this.slot.worker - 1));
  }

  /**
   * Compiles a scenario into the function Artillery calls once per virtual user. Its `flow` holds
   * `activate` steps (one device each), `think` and `log`; without a flow, one `activate`.
   * @param {Record<string, any>} scenarioSpec The scenario.
   * @param {import('node:events').EventEmitter} ee Where the virtual user's events go.
   * @returns {(context: Record<string, any>, callback: (err: Error | null, context: Record<string, any>) => void) => void}
   */
  createScenario(scenarioSpec, ee) {
    const flow = Array.isArray(scenarioSpec.flow) && scenarioSpec.flow.length > 0 ? scenarioSpec.flow : [{ activate: {} }];
    const steps = flow.map((step) => this.step(step, ee));
    return (initialContext, callback) => {
      ee.emit('started');
      let i = 0;
      const next = (err, context) => {
        if (err || i === steps.length) return callback(err || null, context);
        const step = steps[i++];
        try {
          step(context, next);
        } catch (e) {
          callback(e, context);
        }
      };
      next(null, initialContext);
    };
  }

  /**
   * One step of a flow as a function of (context, callback).
   * @param {Record<string, any>} step The step's spec.
   * @param {import('node:events').EventEmitter} ee Where the step's events go.
   */
  step(step, ee) {
    if (step.activate !== undefined) return (context, callback) => this.activate(context, ee, callback);
    if (step.think !== undefined) return this.helpers.createThink(step, (this.script.config.defaults || {}).think || {});
    if (step.log !== undefined)
      return (context, callback) => {
        console.log(this.helpers.template(step.log, context));
        process.nextTick(callback, null, context);
      };
    throw new Error(`artillery-engine-${NAME}: unknown step ${JSON.stringify(Object.keys(step))} (activate, think and log are known)`);
  }

  /**
   * Activates the next device and reports it: phases as histograms and the ok counter, or the
   * error code (the virtual user then fails with it).
   * @param {Record<string, any>} context The virtual user's context (`vars.device` is set to the device's index).
   * @param {import('node:events').EventEmitter} ee Where the metrics go.
   * @param {(err: Error | null, context: Record<string, any>) => void} callback
   */
  activate(context, ee, callback) {
    const device = this.nextDevice();
    if (context.vars) context.vars.device = device.index;
    const { target: url, mode, crypto } = this.config;
    const options = { url, ...(mode !== undefined ? { mode } : {}), ...(crypto !== undefined ? { crypto } : {}) };
    this.targetAnswers()
      .then(() => this.library.activateFleetDevice(device, options))
      .then(
        (result) => {
          if (result.ok) {
            for (const [phase, ms] of Object.entries(result.phases)) ee.emit('histogram', `${PREFIX}.phase.${phase}`, ms);
            ee.emit('counter', `${PREFIX}.activations.ok`, 1);
            callback(null, context);
          } else {
            ee.emit('counter', `${PREFIX}.activations.failed`, 1);
            ee.emit('error', result.code);
            callback(new Error(`${result.code}: device ${device.index} (${device.email})`), context);
          }
        },
        (err) => {
          // No relay at the target, bad options or a missing peer: reported under the error's code, or its message.
          ee.emit('counter', `${PREFIX}.activations.failed`, 1);
          ee.emit('error', (err && err.code) || (err && err.message) || String(err));
          callback(err instanceof Error ? err : new Error(String(err)), context);
        },
      );
  }
}

module.exports = EnterpriseActivationEngine;
