/** `npm run dev` / `npm run token` port settings: one setting moves the Worker, issuer and audience. */
import { describe, expect, it } from "vitest";
import { persistDirOf, resolveDevSettings } from "../../scripts/dev-settings.mjs";

describe("resolveDevSettings", () => {
  it("defaults to 8787 for the Worker and the next port for the authorization server", () => {
    expect(resolveDevSettings([], {})).toEqual({
      port: 8787,
      authPort: 8788,
      origin: "http://127.0.0.1:8787",
      audience: "http://127.0.0.1:8787/mcp",
      issuer: "http://127.0.0.1:8788",
      allowedOrigins: ["http://localhost:6274", "http://127.0.0.1:6274"],
      rest: [],
    });
  });

  it("adds ALLOWED_ORIGINS from the environment and from wrangler's --var to the Inspector's, for both servers", () => {
    const settings = resolveDevSettings(
      [
        "--var",
        "ALLOWED_ORIGINS:https://a.example,http://127.0.0.1:9202",
        "--var",
        "X:y",
        "--var=ALLOWED_ORIGINS:https://b.example",
      ],
      { ALLOWED_ORIGINS: "http://localhost:3000, http://127.0.0.1:6274" },
    );
    expect(settings.allowedOrigins).toEqual([
      "http://localhost:6274",
      "http://127.0.0.1:6274",
      "http://localhost:3000",
      "https://a.example",
      "http://127.0.0.1:9202",
      "https://b.example",
    ]);
    // dev.mjs passes the merged list to wrangler itself; a second --var would override it.
    expect(settings.rest).toEqual(["--var", "X:y"]);
  });

  it.each(["http://127.0.0.1:3000/", "127.0.0.1:3000", "https://a.example/path", "*"])(
    "refuses the ALLOWED_ORIGINS entry %s with a message naming the setting",
    (entry) => {
      expect(() => resolveDevSettings([], { ALLOWED_ORIGINS: entry })).toThrow(
        /ALLOWED_ORIGINS entries must be bare origins/,
      );
      expect(() => resolveDevSettings(["--var", `ALLOWED_ORIGINS:${entry}`], {})).toThrow(/ALLOWED_ORIGINS/);
    },
  );

  it("takes the public origin (and so the audience) from DEV_PUBLIC_ORIGIN when a proxy fronts the Worker", () => {
    expect(
      resolveDevSettings([], { PORT: "8801", DEV_PUBLIC_ORIGIN: "http://127.0.0.1:8803/ignored/path" }),
    ).toMatchObject({
      port: 8801,
      origin: "http://127.0.0.1:8803",
      audience: "http://127.0.0.1:8803/mcp",
      issuer: "http://127.0.0.1:8802",
    });
  });

  it.each([
    [["--port", "8799"], {}],
    [["--port=8799"], {}],
    [[], { PORT: "8799" }],
    [["--port", "8799"], { PORT: "9000" }], // the flag wins over the variable
  ])("%j with %j → Worker 8799, issuer 8800, and --port never reaches wrangler", (argv, env) => {
    const settings = resolveDevSettings(argv, env);
    expect(settings).toMatchObject({
      port: 8799,
      audience: "http://127.0.0.1:8799/mcp",
      issuer: "http://127.0.0.1:8800",
    });
    expect(settings.rest).toEqual([]);
  });

  it("keeps every other argument for wrangler, in order", () => {
    const settings = resolveDevSettings(
      ["--var", "A:b", "--port", "8811", "--auth-port=8819", "--log-level", "debug"],
      {},
    );
    expect(settings).toMatchObject({ port: 8811, authPort: 8819, issuer: "http://127.0.0.1:8819" });
    expect(settings.rest).toEqual(["--var", "A:b", "--log-level", "debug"]);
  });

  it("takes AUTH_PORT from the environment", () => {
    expect(resolveDevSettings([], { PORT: "8811", AUTH_PORT: "8818" }).issuer).toBe("http://127.0.0.1:8818");
  });

  it.each([
    [["--port", "abc"], {}, /--port \/ PORT must be a port number/],
    [["--port", "0"], {}, /between 1 and 65535/],
    [["--port", "70000"], {}, /between 1 and 65535/],
    [["--port", "8787.5"], {}, /port number/],
    [[], { PORT: "-1" }, /port number/],
    [["--port"], {}, /--port needs a value/],
    [["--auth-port", "8787"], {}, /must differ/],
    [["--port", "65535"], {}, /--auth-port \/ AUTH_PORT/],
  ])("refuses %j %j with a clear message", (argv, env, message) => {
    expect(() => resolveDevSettings(argv, env)).toThrow(message);
  });
});

describe("persistDirOf", () => {
  it.each([
    [["--persist-to", "/tmp/x"], "/tmp/x"],
    [["--var", "A:b", "--persist-to=/tmp/y"], "/tmp/y"],
    [["--var", "A:b"], undefined],
  ])("%j → %s", (args, dir) => {
    expect(persistDirOf(args)).toBe(dir);
  });
});
