// The loader <-> iframe postMessage protocol: every message is {type: PREFIX + kind, ...}.
// Both sides check the exact origin and source window; nothing is ever posted to '*'.
export const PREFIX = "chinwag:v1:";
