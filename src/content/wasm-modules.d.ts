/** A `.wasm` import is a compiled module (wrangler's and the Workers test pool's CompiledWasm rule). */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
