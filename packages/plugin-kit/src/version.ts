/**
 * This kit's version, as its package.json says. A plugin declares the versions it works with
 * (`kitVersion: '^2.0.0'`); Itinera refuses to load it with a kit outside that range.
 */
// Read at run time: package.json sits beside both src/ and the compiled dist/.
export const KIT_VERSION: string = (require('../package.json') as { version: string }).version;

/** The package name plugins import; plugins outside the repository resolve it to Itinera's own copy. */
export const KIT_PACKAGE = '@itinera/plugin-kit';
