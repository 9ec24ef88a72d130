/**
 * Alerts: a Detection Finding POSTed to ALERT_WEBHOOK_URL as `{ "text": …, "finding": <OCSF event> }`.
 * `text` is what Slack (and Slack-compatible Mattermost, Teams workflows, Discord's /slack endpoint)
 * shows; `finding` is the same event the trail holds, for anything that parses JSON.
 */
import { type DeliveryOptions, type DeliveryResult, postWithRetry } from "./http-delivery";
import type { OcsfEvent } from "./ocsf-mapping";

export function alertText(finding: OcsfEvent): string {
  const info = (finding as { finding_info?: { title?: string; desc?: string } }).finding_info;
  const severity = (finding as { severity?: string }).severity ?? "Medium";
  return `:rotating_light: [${severity}] ${info?.title ?? "Detection finding"}: ${info?.desc ?? ""} (finding ${finding.metadata.uid})`;
}

export function postAlert(url: string, finding: OcsfEvent, options: DeliveryOptions = {}): Promise<DeliveryResult> {
  return postWithRetry(
    url,
    { headers: { "content-type": "application/json" }, body: JSON.stringify({ text: alertText(finding), finding }) },
    options,
  );
}
