import { describe, expect, it } from "vitest";
import { buildBearerChallenge, quoteHeaderValue, resourceMetadataUrlFor } from "../../src/http/challenge";

describe("Bearer challenge header", () => {
  it("builds the 401 challenge with resource metadata and scope", () => {
    expect(
      buildBearerChallenge({
        resourceMetadataUrl: "https://h/.well-known/oauth-protected-resource/mcp",
        scope: "files:read files:write",
      }),
    ).toBe(
      'Bearer scope="files:read files:write", resource_metadata="https://h/.well-known/oauth-protected-resource/mcp"',
    );
  });

  it("adds error and description when a token was sent", () => {
    expect(
      buildBearerChallenge({ resourceMetadataUrl: "https://h/m", error: "invalid_token", errorDescription: "bad" }),
    ).toBe('Bearer error="invalid_token", error_description="bad", resource_metadata="https://h/m"');
    expect(
      buildBearerChallenge({ resourceMetadataUrl: "https://h/m", error: "insufficient_scope", scope: "files:delete" }),
    ).toBe('Bearer error="insufficient_scope", scope="files:delete", resource_metadata="https://h/m"');
  });

  it("builds the RFC 9470 step-up challenge with max_age and acr_values", () => {
    expect(
      buildBearerChallenge({
        resourceMetadataUrl: "https://h/m",
        error: "insufficient_user_authentication",
        errorDescription: "sign in again",
        maxAge: 300,
        acrValues: ["urn:mfa", "urn:phr"],
      }),
    ).toBe(
      'Bearer error="insufficient_user_authentication", error_description="sign in again", max_age="300", ' +
        'acr_values="urn:mfa urn:phr", resource_metadata="https://h/m"',
    );
  });

  it("escapes quotes and backslashes and drops control characters", () => {
    expect(quoteHeaderValue('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteHeaderValue("a\r\nSet-Cookie: x")).toBe('"aSet-Cookie: x"');
    const header = buildBearerChallenge({ resourceMetadataUrl: 'https://h/"x', errorDescription: 'say "hi"\n' });
    expect(header).toBe('Bearer error_description="say \\"hi\\"", resource_metadata="https://h/\\"x"');
    expect(() => new Headers({ "www-authenticate": header })).not.toThrow();
  });

  it("derives the RFC 9728 metadata URL from the resource", () => {
    expect(resourceMetadataUrlFor("https://files.example.com/mcp")).toBe(
      "https://files.example.com/.well-known/oauth-protected-resource/mcp",
    );
    expect(resourceMetadataUrlFor("https://files.example.com/")).toBe(
      "https://files.example.com/.well-known/oauth-protected-resource",
    );
    expect(resourceMetadataUrlFor("http://127.0.0.1:8787/mcp")).toBe(
      "http://127.0.0.1:8787/.well-known/oauth-protected-resource/mcp",
    );
  });
});
