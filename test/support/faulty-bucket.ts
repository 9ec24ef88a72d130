/**
 * Wraps the real Miniflare R2 binding so chosen operations fail, to show what the server does when R2
 * is down or misbehaves part-way through an operation. Everything else goes to real R2.
 */
type BucketMethod = "head" | "get" | "put" | "delete" | "list";

export interface FaultPlan {
  /** Fail every call of these methods. */
  fail?: BucketMethod[];
  /** Fail only the nth call (1-based) of a method, e.g. the delete in a move. */
  failNth?: Partial<Record<BucketMethod, number>>;
  /** Return this instead of calling R2 (to simulate a malformed answer). */
  returnValue?: Partial<Record<BucketMethod, unknown>>;
}

export function faultyBucket(bucket: R2Bucket, plan: FaultPlan): R2Bucket & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  return new Proxy(bucket, {
    get(target, property, receiver) {
      if (property === "calls") return calls;
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const method = property as BucketMethod;
      return (...args: unknown[]) => {
        calls[method] = (calls[method] ?? 0) + 1;
        if (plan.fail?.includes(method) || plan.failNth?.[method] === calls[method]) {
          return Promise.reject(new Error(`injected R2 failure in ${method}`));
        }
        if (plan.returnValue && method in plan.returnValue) return Promise.resolve(plan.returnValue[method]);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as R2Bucket & { calls: Record<string, number> };
}
