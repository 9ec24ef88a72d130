/**
 * Anomaly detectors over the OCSF event stream (pure: events and settings in, observations out; the
 * counting happens in a DetectorStore, the decision in `findingsFrom`). Defaults in audit-config.ts and
 * docs/audit.md.
 *
 * | detector             | counts                                              | keyed by          |
 * |----------------------|-----------------------------------------------------|-------------------|
 * | failed_auth_ip       | failed authentications (not our outages)            | client IP         |
 * | failed_auth_subject  | failed authentications naming a user or key id      | subject / key id  |
 * | probing              | path, scope and policy refusals (not limits/quotas) | principal         |
 * | mass_deletion        | successful deletes                                  | tenant            |
 * | exfiltration         | bytes returned by successful reads                  | principal         |
 * | labelled_reads       | files with secrets or personal data read            | principal         |
 * | new_location         | a country or ASN never seen for this principal      | principal         |
 *
 * Windows are sliding and keyed by event id, so a redelivered event is counted once.
 */

import type { DetectorSettings, DetectorThreshold } from "../config/audit-config";
import type { FindingFact } from "./audit-facts";
import type { OcsfEvent } from "./ocsf-mapping";

export type DetectorName =
  | "failed_auth_ip"
  | "failed_auth_subject"
  | "probing"
  | "mass_deletion"
  | "exfiltration"
  | "labelled_reads"
  | "new_location";

/** Who and what one observation is about: the detector's subject and the event that produced it. */
interface ObservedEvent {
  readonly subjectKey: string;
  readonly eventUid: string;
  readonly time: number;
  readonly tenant?: string | undefined;
  readonly subject?: string | undefined;
  readonly ip?: string | undefined;
}

export interface WindowObservation extends ObservedEvent {
  readonly detector: DetectorName;
  readonly weight: number;
  readonly limits: DetectorThreshold;
}

export interface NoveltyObservation extends ObservedEvent {
  readonly detector: "new_location";
  readonly value: string;
}

export interface Observations {
  readonly windows: WindowObservation[];
  readonly novelties: NoveltyObservation[];
}

// biome-ignore lint/suspicious/noExplicitAny: events are free-form OCSF JSON; fields are checked as read
type Loose = Record<string, any>;

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function observationsOf(events: readonly OcsfEvent[], settings: DetectorSettings): Observations {
  const windows: WindowObservation[] = [];
  const novelties: NoveltyObservation[] = [];
  for (const raw of events) {
    const event = raw as Loose;
    const uid = event.metadata.uid as string;
    const time = typeof event.time === "number" ? event.time : 0;
    const tenant = str(event.metadata?.tenant_uid);
    const ip = str(event.src_endpoint?.ip);
    const user = event.class_uid === 3002 ? event.user : event.actor?.user;
    const subject = str(user?.uid);
    const principal = tenant !== undefined && subject !== undefined ? `${tenant}/${subject}` : undefined;
    const base = { eventUid: uid, time, tenant, subject, ip };
    const success = event.status_id === 1;

    if (event.class_uid === 3002) {
      if (!success && event.status_code === "denied") {
        if (ip)
          windows.push({
            ...base,
            detector: "failed_auth_ip",
            subjectKey: `ip:${ip}`,
            weight: 1,
            limits: settings.failedAuth,
          });
        const who = subject ?? str(user?.credential_uid);
        if (who)
          windows.push({
            ...base,
            detector: "failed_auth_subject",
            subjectKey: `subject:${who}`,
            weight: 1,
            limits: settings.failedAuth,
          });
      }
      if (success && principal) {
        const country = str(event.src_endpoint?.location?.country);
        const asn = event.src_endpoint?.autonomous_system?.number;
        if (country)
          novelties.push({
            ...base,
            detector: "new_location",
            subjectKey: `principal:${principal}`,
            value: `country:${country}`,
          });
        if (typeof asn === "number")
          novelties.push({
            ...base,
            detector: "new_location",
            subjectKey: `principal:${principal}`,
            value: `asn:${asn}`,
          });
      }
      continue;
    }

    const decision = event.actor?.authorizations?.[0];
    const rule = str(decision?.policy?.uid) ?? "";
    if (decision?.decision === "denied" && !/^(rate_limit|quota):/.test(rule) && principal) {
      windows.push({
        ...base,
        detector: "probing",
        subjectKey: `principal:${principal}`,
        weight: 1,
        limits: settings.refusals,
      });
    }
    if (event.class_uid !== 6006 || !success) continue;
    if (event.activity_id === 4 && tenant) {
      windows.push({
        ...base,
        detector: "mass_deletion",
        subjectKey: `tenant:${tenant}`,
        weight: 1,
        limits: settings.deletes,
      });
    }
    const bytes = event.unmapped?.bytes_read;
    if (typeof bytes === "number" && bytes > 0 && principal) {
      windows.push({
        ...base,
        detector: "exfiltration",
        subjectKey: `principal:${principal}`,
        weight: bytes,
        limits: settings.bytesRead,
      });
    }
    // Files read whose content carried secrets or personal data (shown or redacted): many in a short
    // window is an agent sweeping for sensitive files.
    const sensitivity = event.unmapped?.sensitivity;
    const labelled = Array.isArray(sensitivity)
      ? sensitivity.filter((s: Loose) => s?.action === "read" && Array.isArray(s.categories) && s.categories.length > 0)
          .length
      : 0;
    if (labelled > 0 && principal) {
      windows.push({
        ...base,
        detector: "labelled_reads",
        subjectKey: `principal:${principal}`,
        weight: labelled,
        limits: settings.labelledReads,
      });
    }
  }
  return { windows, novelties };
}

export function windowKey(observation: { detector: string; subjectKey: string }): string {
  return `${observation.detector}|${observation.subjectKey}`;
}

export function noveltyKey(observation: NoveltyObservation): string {
  return `${observation.detector}|${observation.subjectKey}|${observation.value.split(":")[0]}`;
}

const TITLES: Record<
  DetectorName,
  (o: { subjectKey: string; observed: number; limits?: DetectorThreshold; value?: string }) => string
> = {
  failed_auth_ip: (o) =>
    `${o.observed} failed authentications from ${o.subjectKey.slice(3)} in ${o.limits!.windowSeconds} s`,
  failed_auth_subject: (o) =>
    `${o.observed} failed authentications for ${o.subjectKey.slice(8)} in ${o.limits!.windowSeconds} s`,
  probing: (o) => `${o.observed} refused calls by ${o.subjectKey.slice(10)} in ${o.limits!.windowSeconds} s (probing?)`,
  mass_deletion: (o) => `${o.observed} deletes in tenant ${o.subjectKey.slice(7)} in ${o.limits!.windowSeconds} s`,
  exfiltration: (o) => `${o.observed} bytes read by ${o.subjectKey.slice(10)} in ${o.limits!.windowSeconds} s`,
  labelled_reads: (o) =>
    `${o.observed} files with secrets or personal data read by ${o.subjectKey.slice(10)} in ${o.limits!.windowSeconds} s`,
  new_location: (o) => `${o.subjectKey.slice(10)} seen from a new ${o.value?.replace(":", " ")}`,
};

const DESCRIPTIONS: Record<DetectorName, string> = {
  failed_auth_ip: "Failed authentications from one IP reached the threshold: credential guessing or a broken client.",
  failed_auth_subject: "Failed authentications for one user or key reached the threshold.",
  probing: "Path, scope or policy refusals for one principal reached the threshold: an agent probing its limits.",
  mass_deletion: "Deletes in one tenant reached the threshold: mass deletion by a person or a confused agent.",
  exfiltration: "Bytes read by one principal reached the threshold: possible exfiltration.",
  labelled_reads:
    "Files labelled secret or pii read by one principal reached the threshold: an agent sweeping for sensitive data.",
  new_location: "A principal authenticated from a country or network (ASN) it was never seen from before.",
};

export interface StoreVerdict {
  /** Window totals after this batch, by windowKey. */
  readonly totals: ReadonlyMap<string, number>;
  /** windowKeys / noveltyKeys currently in cooldown. */
  readonly coolingDown: ReadonlySet<string>;
  /** For each novelty (same order): true when the value is new and the principal had a baseline. */
  readonly novel: readonly boolean[];
}

/** Findings for the windows at or over their threshold and the new locations, at most one per key. */
export function findingsFrom(
  observations: Observations,
  verdict: StoreVerdict,
  now: number,
  newId: () => string,
): { finding: FindingFact; cooldownKey: string }[] {
  const out: { finding: FindingFact; cooldownKey: string }[] = [];
  const done = new Set<string>();
  for (const o of observations.windows) {
    const key = windowKey(o);
    const observed = verdict.totals.get(key) ?? 0;
    if (done.has(key) || observed < o.limits.threshold || verdict.coolingDown.has(key)) continue;
    done.add(key);
    const evidence = observations.windows
      .filter((w) => windowKey(w) === key)
      .map((w) => w.eventUid)
      .slice(-20);
    out.push({
      cooldownKey: key,
      finding: {
        kind: "finding",
        uid: newId(),
        time: now,
        detector: o.detector,
        title: TITLES[o.detector]({ subjectKey: o.subjectKey, observed, limits: o.limits }),
        description: DESCRIPTIONS[o.detector],
        subjectKey: o.subjectKey,
        tenant: o.tenant,
        subject: o.subject,
        ip: o.ip,
        observed,
        threshold: o.limits.threshold,
        windowSeconds: o.limits.windowSeconds,
        evidence,
      },
    });
  }
  observations.novelties.forEach((o, index) => {
    const key = noveltyKey(o);
    if (!verdict.novel[index] || done.has(key) || verdict.coolingDown.has(key)) return;
    done.add(key);
    out.push({
      cooldownKey: key,
      finding: {
        kind: "finding",
        uid: newId(),
        time: now,
        detector: o.detector,
        title: TITLES.new_location({ subjectKey: o.subjectKey, observed: 1, value: o.value }),
        description: DESCRIPTIONS.new_location,
        subjectKey: o.subjectKey,
        tenant: o.tenant,
        subject: o.subject,
        ip: o.ip,
        observed: 1,
        threshold: 1,
        windowSeconds: 0,
        evidence: [o.eventUid],
      },
    });
  });
  return out;
}
