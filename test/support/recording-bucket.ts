/** Wraps the real R2 binding and records each call's method and options, to assert how much was read. */
export interface RecordedCall {
  readonly method: string;
  readonly key: unknown;
  readonly options: unknown;
}

export function recordingBucket(bucket: R2Bucket): R2Bucket & { recorded: RecordedCall[] } {
  const recorded: RecordedCall[] = [];
  return new Proxy(bucket, {
    get(target, property, receiver) {
      if (property === "recorded") return recorded;
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        recorded.push({ method: String(property), key: args[0], options: args[1] });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as R2Bucket & { recorded: RecordedCall[] };
}
