// The header's "compare with" choice as one select: none, a checkpoint of the series, or the
// second model given with --compare. Each option's value encodes the request that picks it.
import type { CheckpointsInfo, CompareChoice } from "./changes-api";

export interface CompareOption {
  value: string;
  text: string;
}

const NONE = "none";
const EXTERNAL = "external";

/** The options, in order: none, each checkpoint (when there is a series), the external model. */
export function compareOptions(info: CheckpointsInfo): CompareOption[] {
  const options: CompareOption[] = [{ value: NONE, text: "none" }];
  if (info.series)
    info.checkpoints.forEach((name, i) =>
      options.push({ value: `checkpoint:${i}`, text: i === info.selected ? `${name} (A)` : name }),
    );
  if (info.external !== null) options.push({ value: EXTERNAL, text: info.external });
  return options;
}

/** The option that names what the server compares with now. */
export function compareValue(info: CheckpointsInfo): string {
  if (info.compare === null) return NONE;
  if (info.compare_checkpoint !== null) return `checkpoint:${info.compare_checkpoint}`;
  return info.external !== null ? EXTERNAL : NONE;
}

/** The request an option makes (null for a value no option has). */
export function compareChoice(value: string): CompareChoice | null {
  if (value === NONE) return { checkpoint: null, external: false };
  if (value === EXTERNAL) return { checkpoint: null, external: true };
  const match = /^checkpoint:(\d+)$/.exec(value);
  return match ? { checkpoint: Number(match[1]), external: false } : null;
}

/** Whether the header offers a choice at all: a series to pick from, or a second model. */
export function hasChoice(info: CheckpointsInfo): boolean {
  return info.series || info.external !== null;
}
