/** memstore's version, as version() and the startup log report it (kept equal to package.json). */
export const VERSION = '0.1.0';
