/**
 * Each detector with positive and negative fixtures: what it must report (and exactly which span), and
 * the near misses it must not. Secret-shaped fixtures are assembled at run time (see test/fixtures/dlp),
 * so the repository's secret scan stays clean.
 */
import { describe, expect, it } from "vitest";
import { DETECTOR_CATEGORIES } from "../../../src/content/detectors/index";
import { scanText } from "../../../src/content/scan";
import * as gen from "../../fixtures/dlp/positives";
import { createRandom } from "../../fixtures/dlp/random";

const random = createRandom(21);
const BEGIN = "-----BEG" + "IN ";
const END = "-----EN" + "D ";

/** The detector ids reported for `text`, with the reported text. */
function found(text: string): { detector: string; text: string }[] {
  return scanText(text).map((finding) => ({
    detector: finding.detector,
    text: text.slice(finding.start, finding.end),
  }));
}

function expectOnly(text: string, detector: string, value: string): void {
  expect(found(text)).toEqual([{ detector, text: value }]);
}

function expectNothing(text: string): void {
  expect(found(text)).toEqual([]);
}

describe("private keys", () => {
  it("reports a PEM block whole, armour lines included", () => {
    const block = gen.privateKeyBlock(random).text;
    expectOnly(`key:\n${block}\n`, "private-key", block);
  });
  it("reports a block whose END line is missing, up to the end of its body", () => {
    const block = gen.privateKeyBlock(random).text;
    const truncated = block.slice(0, block.lastIndexOf("\n"));
    expect(found(`${truncated}\n\nafter`)).toEqual([{ detector: "private-key", text: truncated }]);
  });
  it("does not report certificates, public keys or a body-less example", () => {
    expectNothing(`${BEGIN}CERTIFICATE-----\n${"MIIB".repeat(40)}\n${END}CERTIFICATE-----`);
    expectNothing(`${BEGIN}PUBLIC KEY-----\n${"MIIB".repeat(40)}\n${END}PUBLIC KEY-----`);
    expectNothing(`${BEGIN}RSA PRIVATE KEY-----\n...\n${END}RSA PRIVATE KEY-----`);
  });
  it("needs a body of 64 base64 characters: 63 (with other characters between them) is an example", () => {
    const body = (count: number) =>
      "Ab3+/"
        .repeat(20)
        .slice(0, count)
        .replace(/(.{10})/g, "$1\n..\n");
    const block = (count: number) => `${BEGIN}RSA PRIVATE KEY-----\n${body(count)}\n${END}RSA PRIVATE KEY-----`;
    expectOnly(`x\n${block(64)}\n`, "private-key", block(64));
    expectNothing(`x\n${block(63)}\n`);
  });
  it("reports a GCP service-account key's id and key as gcp-service-account", () => {
    const pem = gen.privateKeyBlock(random, "\\n").text;
    const keyId = "0123456789abcdef0123456789abcdef01234567";
    const json = `{"type": "service_account", "private_key_id": "${keyId}", "private_key": "${pem}\\n"}`;
    expect(found(json)).toEqual([
      { detector: "gcp-service-account", text: keyId },
      { detector: "gcp-service-account", text: pem },
    ]);
    expectNothing(`{"private_key_id": "${keyId}"}`);
  });
});

describe("cloud credentials", () => {
  it("reports an AWS key id and the secret near it", () => {
    const id = gen.awsKeyId(random);
    const secret = gen.awsSecret(random);
    expect(found(`accessKeyId: '${id}',\n  region: 'eu-west-1',\n  secretAccessKey: '${secret}'`)).toEqual([
      { detector: "aws-access-key-id", text: id },
      { detector: "aws-secret-access-key", text: secret },
    ]);
    expect(found(`k = ${secret}\nid = ${id}`)).toEqual([
      { detector: "aws-secret-access-key", text: secret },
      { detector: "aws-access-key-id", text: id },
    ]);
  });
  it("reports a secret after its name even without the key id", () => {
    const secret = gen.awsSecret(random);
    expectOnly(`aws_secret_access_key = ${secret}\n`, "aws-secret-access-key", secret);
  });
  it("does not report 40 characters on their own, a git SHA, or AWS's documentation keys", () => {
    expectNothing(`checksum ${gen.awsSecret(random)}\n`);
    expect(found(`aws_secret_access_key = ${"a1b2c3d4e5".repeat(4)}\n`).map((f) => f.detector)).not.toContain(
      "aws-secret-access-key",
    );
    expectNothing(`${"AKIA"}IOSFODNN7EXAMPLE ${"wJalrXUtnFEMI/K7MDENG/bPxRfiCY"}EXAMPLEKEY`);
    expectNothing(`x${gen.awsKeyId(random)}`);
  });
  it("reports the key of an Azure connection string, not its names", () => {
    const connection = gen.azureConnection(random);
    expectOnly(`${connection.prefix}${connection.key}${connection.suffix}`, "azure-connection-string", connection.key);
    expectNothing("DefaultEndpointsProtocol=https;AccountName=dev;AccountKey=<key>;");
  });
});

describe("prefixed tokens", () => {
  const cases: [string, () => string][] = [
    ["github-token", () => gen.githubToken(random)],
    ["github-token", () => gen.githubFineGrained(random)],
    ["gitlab-token", () => gen.gitlabToken(random)],
    ["slack-token", () => gen.slackToken(random)],
    ["stripe-live-key", () => gen.stripeLiveKey(random)],
    ["npm-token", () => gen.npmToken(random)],
    ["openai-api-key", () => gen.openAiKey(random)],
    ["anthropic-api-key", () => gen.anthropicKey(random)],
    ["r2mcp-api-key", () => gen.r2mcpKey(random)],
    ["jwt", () => gen.jwtToken(random)],
  ];
  for (const [detector, make] of cases) {
    it(`reports ${detector} in prose, quotes and headers`, () => {
      for (let index = 0; index < 20; index++) {
        const token = make();
        expectOnly(`The token ${token}.`, detector, token);
        expectOnly(`{"auth":"Bearer ${token}"}`, detector, token);
      }
    });
    it(`does not report ${detector} inside a longer word`, () => {
      expectNothing(`x${make()}`);
    });
  }
  it("refuses GitHub and npm tokens whose CRC-32 checksum fails", () => {
    const token = gen.githubToken(random);
    const broken = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    expectNothing(`token ${broken}`);
    const npm = gen.npmToken(random);
    expectNothing(`token ${npm.slice(0, 10)}${npm[10] === "Q" ? "R" : "Q"}${npm.slice(11)}`);
  });
  it("refuses placeholders of the right prefix", () => {
    expectNothing(`${"sk"}_live_${"x".repeat(30)}`);
    expectNothing(`${"gl"}pat-${"x".repeat(20)}`);
    expectNothing("task-list sk-learn xoxo-gossip");
  });
  it("refuses a JWT-looking string whose header is not JSON with alg", () => {
    const fake = `${btoa('{"typ":"JWT"}').replace(/=+$/, "")}.${btoa('{"a":1}').replace(/=+$/, "")}.c2ln`;
    expectNothing(fake);
    expectNothing("eyJhbGciOi.not-base64!.x");
  });
});

describe("credentials in configuration", () => {
  it("reports the password of a database URL only", () => {
    const secret = gen.password(random).replace(/[@/]/g, "x");
    expectOnly(`DATABASE_URL=postgres://app:${secret}@db.internal:5432/main`, "database-url", secret);
    expectOnly(`mongodb+srv://svc:${secret}@cluster0.mongodb.net/x`, "database-url", secret);
    // The scheme in any case, and only the whole scheme: `xpostgres` and `mongodb+` are none.
    expectOnly(`url: PostgreSQL://app:${secret}@db/main`, "database-url", secret);
    expectOnly(`MONGODB+SRV://svc:${secret}@cluster0/x`, "database-url", secret);
    expectNothing(`xpostgres://app:${secret}@db/main`);
    expectNothing(`mongodb+://app:${secret}@db/main`);
  });
  it("does not report database URLs without a real password", () => {
    expectNothing("postgres://user:password@localhost:5432/app");
    expectNothing("postgres://postgres:postgres@localhost/app");
    expectNothing("redis://localhost:6379/0");
    expectNothing(["https://user", "hunter2x9@example.org/"].join(":")); // not a database scheme
  });
  it("reports literal values assigned to secret-named keys", () => {
    const value = gen.password(random);
    for (const form of [
      `DB_PASSWORD=${value}`,
      `"client_secret": "${value}"`,
      `apiKey: '${value}'`,
      `const authToken = "${value}";`,
      `PRIVATE_KEY := "${value}"`,
      `smtp_pass => '${value}'`,
    ]) {
      expectOnly(form, "password-assignment", value);
    }
  });
  it("does not report references, placeholders, code or low-entropy values", () => {
    for (const form of [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style reference, literally
      "DB_PASSWORD=${DB_PASSWORD}",
      "password: changeme",
      'api_key = os.environ["API_KEY"]',
      "token: process.env.GITHUB_TOKEN",
      "const password = req.body.password;",
      "if (password == other) {}",
      "password != confirmation",
      "nextPageToken: 'CAEQARoGCAEQABgB'",
      "maxTokens: 4096",
      "password: aaaaaaaaaaaa",
      "PWD=/home/runner/work",
      "secret: {{ vault_secret }}",
      'monkey = "Zq8#kLm2Pw9x"',
      "passwordField: true",
    ]) {
      expectNothing(form);
    }
  });
});

describe("personal data", () => {
  it("reports card numbers of every issuer, contiguous and grouped", () => {
    for (let index = 0; index < 50; index++) {
      const card = gen.cardNumber(random);
      expectOnly(`card ${card} exp 09/28`, "payment-card", card);
    }
    expectOnly("4821,4556737586899855,EUR", "payment-card", "4556737586899855");
  });
  it("does not report numbers that fail Luhn, issuer ranges, grouping, or are test numbers", () => {
    expectNothing("card 4556 7375 8689 9856"); // Luhn fails
    expectNothing("id 9556737586899855"); // no issuer starts with 9
    expectNothing("4556-7375 8689 9855"); // mixed separators
    expectNothing("45567 37586 89985 5"); // not a card grouping
    expectNothing("4111 1111 1111 1111 and 4242424242424242");
    expectNothing("v1.4556737586899855");
  });
  it("reports IBANs that pass mod-97, contiguous and in fours", () => {
    for (let index = 0; index < 30; index++) {
      const iban = gen.ibanNumber(random);
      expectOnly(`IBAN: ${iban}\n`, "iban", iban);
    }
  });
  it("does not report IBAN-shaped strings that fail mod-97 or have the wrong length", () => {
    expectNothing("DE00 3704 0044 0532 0130 00");
    expectNothing("DE89 3704 0044 0532 0130"); // too short for DE
    expectNothing("ZZ89370400440532013000"); // no such country
  });
  it("reports US SSNs under the SSA rules, bare digits only after a keyword", () => {
    expectOnly("SSN 123-45-6789.", "us-ssn", "123-45-6789");
    expectOnly("social security number 123 45 6789", "us-ssn", "123 45 6789");
    expectOnly("ssn: 123456789", "us-ssn", "123456789");
    for (const invalid of ["000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000", "078-05-1120"]) {
      expectNothing(`SSN ${invalid}`);
    }
    expectNothing("call 123 45 6789 or 123456789");
  });
  it("reports e-mail addresses but not URLs, remotes, package specifiers or reserved domains", () => {
    expectOnly("Contact anna.meyer@acme-corp.de.", "email-address", "anna.meyer@acme-corp.de");
    expectOnly("<lena_okafor+news@mail.northwind.co.uk>", "email-address", "lena_okafor+news@mail.northwind.co.uk");
    expectNothing("git+ssh://git@github.com/acme/infra.git");
    expectNothing("git@github.com:acme/infra.git");
    expectNothing("lodash@4.17.21 icon@2x.png @types/node");
    expectNothing("jane@example.com ops@example.org root@localhost x@y.test");
    expectNothing("exporter@proj-1.iam.gserviceaccount.com");
  });
  it("reports phone numbers with a country code or in North American print", () => {
    for (const phone of [
      "+49 30 12345678",
      "+44 20 7946 0958",
      "+1 (212) 456-7890",
      "(212) 456-7890",
      "212-456-7890",
      "212.456.7890",
    ]) {
      expectOnly(`call ${phone} today`, "phone-number", phone);
    }
  });
  it("does not report dates, versions, ids, fictional 555 numbers or bare digits", () => {
    expectNothing("2026-11-30 14:32:07 build 1234567890 v10.200.3000");
    expectNothing("212-456.7890 and 2124567890");
    expectNothing("(212) 555-0147 and 800-555-1212");
    expectNothing("x+12345678 and 1+2+3");
  });
});

describe("every detector id", () => {
  it("has a category and is exercised above", () => {
    expect([...DETECTOR_CATEGORIES.keys()].sort()).toEqual(
      [
        "anthropic-api-key",
        "aws-access-key-id",
        "aws-secret-access-key",
        "azure-connection-string",
        "database-url",
        "email-address",
        "gcp-service-account",
        "github-token",
        "gitlab-token",
        "iban",
        "jwt",
        "npm-token",
        "openai-api-key",
        "password-assignment",
        "payment-card",
        "phone-number",
        "private-key",
        "r2mcp-api-key",
        "sk-api-key",
        "slack-token",
        "stripe-live-key",
        "us-ssn",
      ].sort(),
    );
  });
});
