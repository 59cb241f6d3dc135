import type { DatasetSummary } from '../contract';

export function formatDataset(d: DatasetSummary): string {
  const lines = [
    `#${d.id} ${d.name}  (${d.status})`,
    `   folder:   ${d.root}`,
    `   items:    ${d.total}  (image ${d.counts.image}, text ${d.counts.text}, audio ${d.counts.audio})  skipped ${d.skipped}`,
  ];
  if (d.labels.some((l) => l.label !== null)) {
    lines.push(`   labels:   ${d.labels.map((l) => `${l.label ?? '(none)'} ${l.count}`).join(', ')}`);
  }
  if (d.error) lines.push(`   error:    ${d.error}`);
  return lines.join('\n');
}
