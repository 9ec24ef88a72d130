/**
 * The labelled corpus (test/fixtures/dlp): precision ≥ 0.99 and recall ≥ 0.95 per category, as issue 21
 * asks, and every detector recalled. `npm run bench -- --dlp` prints the same figures with throughput.
 */
import { describe, expect, it } from "vitest";
import { scanText } from "../../../src/content/scan";
import { buildCorpus, scoreCorpus } from "../../fixtures/dlp/corpus";

describe("the sensitive-data corpus", () => {
  const documents = buildCorpus();
  const score = scoreCorpus(documents, (text) => scanText(text));

  for (const category of ["secret", "pii"] as const) {
    it(`${category}: precision ≥ 0.99 and recall ≥ 0.95`, () => {
      const figures = score.byCategory[category];
      expect(figures.labels).toBeGreaterThanOrEqual(300);
      // The samples make a failure readable: which document, which detector, what text.
      expect(figures.precision, JSON.stringify(score.spurious.slice(0, 5))).toBeGreaterThanOrEqual(0.99);
      expect(figures.recall, JSON.stringify(score.missed.slice(0, 5))).toBeGreaterThanOrEqual(0.95);
    });
  }

  it("has negatives of every kind the issue names, and they hold no finding", () => {
    const negatives = documents.filter((document) => document.name.startsWith("negative:"));
    const kinds = new Set(negatives.map((document) => document.name.slice(9, document.name.indexOf("#"))));
    expect([...kinds].sort()).toEqual(
      ["base64-image", "git-log", "hashes", "lockfile", "lorem", "minified-js", "near-misses", "uuids"].sort(),
    );
    const spurious = negatives.flatMap((document) => scanText(document.text).map(() => document.name));
    expect(spurious).toEqual([]);
  });

  it("recalls every detector's positives (not just the category on average)", () => {
    const missedDetectors = new Set(score.missed.map((miss) => miss.detector));
    const labelled = new Set(documents.flatMap((document) => document.labels.map((label) => label.detector)));
    expect(labelled.size).toBeGreaterThanOrEqual(20);
    const perDetector = [...labelled].map((detector) => {
      const total = documents.flatMap((d) => d.labels).filter((label) => label.detector === detector).length;
      const missed = score.missed.filter((miss) => miss.detector === detector).length;
      return { detector, recall: (total - missed) / total };
    });
    for (const { detector, recall } of perDetector) {
      expect(recall, detector).toBeGreaterThanOrEqual(missedDetectors.has(detector) ? 0.9 : 1);
    }
  });
});
