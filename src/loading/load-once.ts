/**
 * Code loaded on first use instead of at module load (docs/performance.md, "Startup"). A cold isolate
 * pays its global scope before the first request; a module behind `import()` (still inside the one
 * bundle: esbuild evaluates it on the first call, once per isolate) is paid only by the first request
 * that needs it, so a health check, a CORS preflight or a refused credential never builds the MCP SDK's
 * schemas. It changes when code is evaluated, never what it does.
 *
 * A failed load is not remembered: the request that saw it fails closed (the rejection reaches the
 * app's error handler: 500, or the caller's own mapping), and the next request tries again.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      loading = load();
      loading.catch(() => {
        loading = undefined;
      });
    }
    return loading;
  };
}
