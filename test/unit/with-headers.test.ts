/** Headers on an answer: set in place on this Worker's own responses, on a copy when they are immutable. */
import { describe, expect, it } from "vitest";
import { withHeaders } from "../../src/http/responses";

describe("withHeaders", () => {
  it("sets the headers in place on a response built here, body and status untouched", async () => {
    const response = new Response('{"ok":true}', { status: 201, headers: { "content-type": "application/json" } });
    const answer = withHeaders(response, { "x-request-id": "req-1", "ratelimit-remaining": "9" });
    expect(answer).toBe(response);
    expect(answer.status).toBe(201);
    expect(answer.headers.get("x-request-id")).toBe("req-1");
    expect(answer.headers.get("ratelimit-remaining")).toBe("9");
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(await answer.text()).toBe('{"ok":true}');
  });

  it("answers with a copy when the headers are immutable (as a fetched response's are)", async () => {
    const immutable = Response.redirect("https://files.example.test/elsewhere", 302);
    expect(() => immutable.headers.set("x-probe", "1")).toThrow(TypeError);
    const answer = withHeaders(immutable, { "x-request-id": "req-2" });
    expect(answer).not.toBe(immutable);
    expect(answer.status).toBe(302);
    expect(answer.headers.get("location")).toBe("https://files.example.test/elsewhere");
    expect(answer.headers.get("x-request-id")).toBe("req-2");
    expect(immutable.headers.get("x-request-id")).toBeNull();
  });
});
