import { describe, expect, it } from "vitest";
import { FALLBACK_MEDIA_TYPE, isLikelyText, mediaKind, mediaTypeFor } from "../../../src/files/media-type";

describe("mediaTypeFor", () => {
  it.each([
    ["photo.png", "image/png"],
    ["photo.jpg", "image/jpeg"],
    ["photo.jpeg", "image/jpeg"],
    ["anim.gif", "image/gif"],
    ["pic.webp", "image/webp"],
    ["logo.svg", "image/svg+xml"],
    ["song.mp3", "audio/mpeg"],
    ["clip.wav", "audio/wav"],
    ["voice.ogg", "audio/ogg"],
    ["lossless.flac", "audio/flac"],
    ["paper.pdf", "application/pdf"],
    ["notes.md", "text/markdown"],
    ["data.json", "application/json"],
  ])("%s → %s", (path, type) => {
    expect(mediaTypeFor(path)).toBe(type);
  });

  it("uses the last segment of a path and ignores case", () => {
    expect(mediaTypeFor("assets/img.v2/PHOTO.PNG")).toBe("image/png");
  });

  it("falls back to application/octet-stream for unknown or missing extensions", () => {
    expect(FALLBACK_MEDIA_TYPE).toBe("application/octet-stream");
    for (const path of ["archive.unknownext", "Makefile", "dir.d/LICENSE", ".gitignore", ""]) {
      expect(mediaTypeFor(path)).toBe(FALLBACK_MEDIA_TYPE);
    }
  });
});

describe("mediaKind", () => {
  it("sorts types into read_media_file's content forms", () => {
    expect(mediaKind("image/png")).toBe("image");
    expect(mediaKind("image/svg+xml")).toBe("image");
    expect(mediaKind("audio/mpeg")).toBe("audio");
    expect(mediaKind("text/markdown")).toBe("text");
    expect(mediaKind("application/json")).toBe("text");
    expect(mediaKind("application/pdf")).toBe("binary");
    expect(mediaKind("application/octet-stream")).toBe("binary");
    expect(mediaKind("video/mp4")).toBe("binary");
  });

  it("ignores parameters and case", () => {
    expect(mediaKind("IMAGE/PNG")).toBe("image");
    expect(mediaKind("Text/Plain; charset=utf-8")).toBe("text");
  });

  it("agrees with mediaTypeFor for the usual media files", () => {
    expect(mediaKind(mediaTypeFor("a.jpg"))).toBe("image");
    expect(mediaKind(mediaTypeFor("a.wav"))).toBe("audio");
    expect(mediaKind(mediaTypeFor("a.pdf"))).toBe("binary");
    expect(mediaKind(mediaTypeFor("a.unknownext"))).toBe("binary");
  });
});

describe("isLikelyText", () => {
  it("accepts text/*, structured-syntax suffixes and textual application types", () => {
    for (const type of [
      "text/plain",
      "text/csv; charset=utf-8",
      "application/json",
      "application/ld+json",
      "application/atom+xml",
      "image/svg+xml",
      "application/toml",
      "application/x-yaml",
    ]) {
      expect(isLikelyText(type)).toBe(true);
    }
  });

  it("rejects binary types", () => {
    for (const type of ["application/octet-stream", "application/pdf", "image/png", "audio/ogg", "application/zip"]) {
      expect(isLikelyText(type)).toBe(false);
    }
  });
});
