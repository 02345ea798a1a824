/**
 * A sample's value in a node's `/metrics` text (Prometheus exposition): the first
 * line of `name`, with `label` (`kind="session"`) among its labels when given.
 * 0 when there is none: a labelled gauge never set has no line.
 */
export function sampleValue(text: string, name: string, label?: string): number {
  const pattern = label ? `^${name}\\{[^}]*${label}[^}]*\\} (\\S+)$` : `^${name}(?:\\{[^}]*\\})? (\\S+)$`;
  return Number(new RegExp(pattern, 'm').exec(text)?.[1] ?? 0);
}
