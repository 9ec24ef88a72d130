/**
 * The scanner's triggers (src/content/triggers.ts) find candidates without a regex pass over the whole
 * text: by indexOf of anchors, or by running a pattern only inside runs of its characters. Each must
 * report exactly what a global regex over the whole text reports — same starts, same matched text, in
 * order, honouring where each check says to resume — or a detector silently loses recall. These
 * properties compare the two on generated text built from the characters the triggers care about.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IBAN_RUNS } from "../../../src/content/detectors/bank-accounts";
import { charClass } from "../../../src/content/detectors/char-classes";
import { DEFAULT_DETECTORS } from "../../../src/content/detectors/index";
import { NUMBER_RUNS } from "../../../src/content/detectors/number-runs";
import { gcpServiceAccount } from "../../../src/content/detectors/private-keys";
import { awsKeyIds, githubTokens } from "../../../src/content/detectors/tokens";
import { findRuns, type Region, runTrigger, type Trigger } from "../../../src/content/triggers";

interface Candidate {
  start: number;
  matched: string;
}

/** A check that sometimes asks to resume further on, as detectors do after reading a token. */
const resumeFor = (start: number, matched: string) => (start % 3 === 0 ? start + matched.length + 7 : undefined);

/** The reference: one global regex over the whole text, as the scanner ran every detector before. */
function byGlobalRegex(text: string, source: RegExp): Candidate[] {
  const pattern = new RegExp(source.source, `${source.flags.replace(/[gy]/g, "")}g`);
  const found: Candidate[] = [];
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    found.push({ start: match.index, matched: match[0] });
    const resume = resumeFor(match.index, match[0]);
    if (resume !== undefined && resume > pattern.lastIndex) pattern.lastIndex = resume;
  }
  return found;
}

function byTrigger(text: string, trigger: Trigger): Candidate[] {
  const found: Candidate[] = [];
  runTrigger(text, trigger, (start, matched) => {
    found.push({ start, matched });
    return resumeFor(start, matched);
  });
  return found;
}

const textOf = (alphabet: readonly string[], maxLength = 120) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((parts) => parts.join(""));

const TOKEN_PIECES = [
  "gh",
  "p",
  "o",
  "_",
  "github",
  "_pat_",
  "gl",
  "pat",
  "-",
  "A",
  "KIA",
  "SIA",
  "CCA",
  "IA",
  "x",
  " ",
];
const SECRET_PIECES = [
  '"private_key_id"',
  '"private_key_id',
  ': "',
  "private",
  "_key_id",
  '"',
  " ",
  ":",
  "s",
  "ecret",
  "Secret",
  "_",
  "access",
  "Access",
  "Key",
  "key",
];
const NUMBER_PIECES = ["0", "1", "2", "4", "5", "7", "9", " ", "-", ".", "(", ")", "a", "+", ",", "\n", "555", "4111"];
const IBAN_PIECES = ["DE", "GB", "89", "3704", "0044", " ", "A", "x", "1", "0", "-", "ü", "\u{1F600}"];
const PIECES_BY_REGION = { number: NUMBER_PIECES, iban: IBAN_PIECES } as const;

describe("anchored triggers report what the global regex reports", () => {
  const cases: [string, Trigger, RegExp, readonly string[]][] = [
    [
      "GitHub prefixes (the detector's own: the underscore three and six characters in)",
      githubTokens.trigger,
      /gh[pousr]_|github_pat_/g,
      TOKEN_PIECES,
    ],
    [
      "GitLab prefixes",
      { anchors: ["gl"], pattern: /gl(?:pat|dt|rt|ptt|cbt|ft|oas|soat)-/y },
      /gl(?:pat|dt|rt|ptt|cbt|ft|oas|soat)-/g,
      TOKEN_PIECES,
    ],
    [
      "AWS key id prefixes (the detector's own: anchored on their last two letters, starting with A)",
      awsKeyIds.trigger,
      /A(?:KIA|SIA|BIA|CCA)/g,
      TOKEN_PIECES,
    ],
    [
      "service-account key ids (the detector's own)",
      gcpServiceAccount.trigger,
      /"private_key_id"\s{0,4}:\s{0,4}"/g,
      SECRET_PIECES,
    ],
    ["literal lists", ["AKIA", "ASIA", "ACCA"], /AKIA|ASIA|ACCA/g, TOKEN_PIECES],
    // A single literal has its own loop (runLiteral): one character, two, and one that overlaps itself.
    ["a one-character literal", "_", /_/g, TOKEN_PIECES],
    ["a two-character literal", "gh", /gh/g, TOKEN_PIECES],
    ["a literal that overlaps itself", "xx", /xx/g, TOKEN_PIECES],
  ];
  for (const [name, trigger, reference, pieces] of cases) {
    it(name, () => {
      fc.assert(
        fc.property(textOf(pieces), (text) => {
          expect(byTrigger(text, trigger)).toEqual(byGlobalRegex(text, reference));
        }),
        { numRuns: 400 },
      );
    });
  }
});

describe("region triggers report what the global regex reports", () => {
  const regionDetectors = DEFAULT_DETECTORS.filter(
    (detector) => typeof detector.trigger === "object" && "within" in detector.trigger,
  );

  it("card numbers, SSNs and telephone numbers run inside the number runs, IBANs inside their own", () => {
    const byRegion = (kind: Region["kind"]) =>
      regionDetectors
        .filter((detector) => (detector.trigger as { within: Region }).within.kind === kind)
        .map((detector) => detector.ids[0])
        .sort();
    expect(byRegion("number")).toEqual(["payment-card", "phone-number", "us-ssn"]);
    expect(byRegion("iban")).toEqual(["iban"]);
  });

  for (const detector of regionDetectors) {
    const trigger = detector.trigger as Exclude<Trigger, string | readonly string[] | RegExp> & {
      pattern: RegExp;
      within: Region;
    };
    it(`${detector.ids[0]}: same candidates on text made of its region's characters and others`, () => {
      fc.assert(
        fc.property(textOf(PIECES_BY_REGION[trigger.within.kind], 80), (text) => {
          expect(byTrigger(text, trigger)).toEqual(byGlobalRegex(text, trigger.pattern));
        }),
        { numRuns: 1500 },
      );
    });
  }

  it("every match of a region's patterns lies inside one of its runs", () => {
    for (const region of [NUMBER_RUNS, IBAN_RUNS]) {
      fc.assert(
        fc.property(textOf(PIECES_BY_REGION[region.kind], 80), (text) => {
          const runs = findRuns(text, region);
          for (const detector of regionDetectors.filter((d) => (d.trigger as { within: Region }).within === region)) {
            const { pattern } = detector.trigger as { pattern: RegExp };
            for (const match of text.matchAll(new RegExp(pattern.source, "g"))) {
              const inside = runs.some((run) => run.start <= match.index && match.index + match[0].length <= run.end);
              expect(inside, `${detector.ids[0]} ${JSON.stringify(match[0])} in ${JSON.stringify(text)}`).toBe(true);
            }
          }
        }),
        { numRuns: 1500 },
      );
    }
  });

  it("a run at the very start or end of the text keeps its lookaround context", () => {
    const ssn = regionDetectors.find((detector) => detector.ids[0] === "us-ssn")!;
    const { pattern } = ssn.trigger as { pattern: RegExp };
    for (const text of ["078-05-1121", "x078-05-1121", "078-05-1121,5", "078-05-1121.", "(078-05-1121)"]) {
      expect(byTrigger(text, ssn.trigger)).toEqual(byGlobalRegex(text, pattern));
    }
  });
});

describe("global regex triggers", () => {
  it("report every match, resuming where the check says", () => {
    const secretKeyName = /[Ss]ecret_?[Aa]ccess_?[Kk]ey|SECRET_ACCESS_KEY/g;
    fc.assert(
      fc.property(textOf(SECRET_PIECES), (text) => {
        expect(byTrigger(text, secretKeyName)).toEqual(byGlobalRegex(text, secretKeyName));
      }),
      { numRuns: 300 },
    );
  });

  it("a character class table matches its ranges", () => {
    const digitsAndDash = charClass("0-9-");
    expect([..."09-"].every((char) => digitsAndDash[char.charCodeAt(0)] === 1)).toBe(true);
    expect(digitsAndDash["a".charCodeAt(0)]).toBe(0);
  });
});
