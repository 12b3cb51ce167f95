// The values the Rust crate defines and the JavaScript side relies on, read from
// constants.json beside this file (tests/constants.rs checks that file against the crate's
// consts). Import from here rather than repeating a value: a storage key, an error code, an
// event name, a timing of the session lifecycle.

import { readFileSync } from 'node:fs';

const deepFreeze = (value) => {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

/** constants.json, parsed and frozen. */
export const CONSTANTS = deepFreeze(JSON.parse(readFileSync(new URL('./constants.json', import.meta.url), 'utf8')));

/** Fills a template's {name} placeholders; a placeholder without a value is an error. */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`no value for {${name}} in "${template}"`);
    return values[name];
  });
}

/** The sessionStorage keys of `clientId`'s session and pending login. */
export function storageKeys(clientId) {
  return {
    session: fill(CONSTANTS.storage.sessionKey, { clientId }),
    pending: fill(CONSTANTS.storage.pendingKey, { clientId }),
  };
}

/** The BroadcastChannel `clientId`'s tabs talk on. */
export function broadcastChannel(clientId) {
  return fill(CONSTANTS.tabs.broadcastChannel, { clientId });
}

/**
 * `code`, when it is an error code the library can return; else throws. Tests name the codes
 * they expect through this, so a renamed code fails at once with its name rather than as a
 * time-out waiting for an error box that shows another code.
 */
export function errorCode(code) {
  if (!CONSTANTS.errorCodes.includes(code)) {
    throw new Error(`"${code}" is not an error code of the library (tests/shared/constants.json errorCodes)`);
  }
  return code;
}

/** `name`, when it is an event the library emits; else throws (see errorCode). */
export function eventName(name) {
  if (!CONSTANTS.eventNames.includes(name)) {
    throw new Error(`"${name}" is not an event of the library (tests/shared/constants.json eventNames)`);
  }
  return name;
}

/** `name`, when it is an event a GuestTokenSource emits; else throws (see errorCode). */
export function guestEventName(name) {
  if (!CONSTANTS.guest.eventNames.includes(name)) {
    throw new Error(`"${name}" is not a guest token event (tests/shared/constants.json guest.eventNames)`);
  }
  return name;
}
