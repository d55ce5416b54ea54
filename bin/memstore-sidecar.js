#!/usr/bin/env node
// Entry point for `npx memstore-sidecar`: the compiled CLI (built by `npm ci` via `prepare`).
import '../dist/cli/main.js';
