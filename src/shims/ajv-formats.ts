/** Stand-in for `ajv-formats` (see ./ajv.ts): only ever called on an ajv instance, which cannot exist. */
export default function addFormatsUnavailable(): never {
  throw new Error("ajv-formats is not bundled; pass CfWorkerJsonSchemaValidator");
}
