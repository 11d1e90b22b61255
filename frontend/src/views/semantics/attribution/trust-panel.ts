// "How far to trust it", under the attribution maps: for the current image, whether a method's
// map depends on the model's weights (the randomisation check) and whether the pixels it marks
// are the ones the prediction needs (faithfulness curves); below, every method ranked on a
// sample of the dataset against two model-free controls. Nothing runs without a click; a table
// this server already made is shown at once.
import { relative } from "../../../api/client";
import { CONTROLS, trustApi, type CheckMethod, type ImageCheck, type TrustTable } from "../../../api/trust";
import type { ImageRef } from "../../../state/image-ref";
import { JobCancelled, type JobRunner } from "../../../state/jobs";
import { el, showError } from "../../../ui/dom";
import type { AttributionMethod } from "./attribution-api";
import { correlationChart, curvesChart } from "./trust-charts";
import { randomizationStrip } from "./trust-strip";
import { trustTable } from "./trust-table";
import { randomizationVerdict } from "./trust-verdict";
import "./trust.css";

/** What the attribution view explains now: the image, its class and the Grad-CAM node. */
export interface TrustSubject {
  image: ImageRef;
  /** "image #2" or "tray image", for titles. */
  what: string;
  target: number;
  targetName: string;
  node: string | null;
  picture: HTMLImageElement | null;
}

export interface TrustPanel {
  readonly element: HTMLElement;
  setMethods(methods: readonly AttributionMethod[]): void;
  setSubject(subject: TrustSubject): void;
  /** Called with each table shown (the latest one for this model). */
  onTable(listener: (table: TrustTable) => void): void;
  readonly table: TrustTable | null;
  destroy(): void;
}

interface Choice {
  name: CheckMethod;
  title: string;
  takesNode: boolean;
  control: boolean;
}

const DEFAULT_IMAGES = 100;
const note = (text: string): HTMLElement => el("p", { class: "muted small tr-note" }, text);

export function createTrustPanel(jobs: JobRunner): TrustPanel {
  const select = el("select", { id: "trust-method", title: "The method (or model-free control) to check" });
  const order = el(
    "select",
    { id: "trust-order", title: "Cascading: each step keeps the layers above random too (Adebayo et al.)" },
    el("option", { value: "cascading" }, "cascading, from the logits down"),
    el("option", { value: "independent" }, "one layer at a time"),
  );
  const run = el("button", { id: "trust-run", class: "at-run tr-run" }, "Check this image");
  const subjectLine = el("span", { class: "tr-subject muted" });
  const resultTitle = el("p", { class: "tr-result-title" });
  const stripSlot = el("div", { class: "tr-strip-slot" });
  const verdict = el("p", { id: "trust-verdict", class: "tr-verdict", role: "status" });
  const correlationSlot = el("div", { class: "tr-chart-slot" });
  const curvesSlot = el("div", { class: "tr-chart-slot" });
  const results = el(
    "div",
    { class: "tr-results", id: "trust-results", hidden: "" },
    resultTitle,
    el(
      "div",
      { class: "tr-blocks" },
      el(
        "section",
        { class: "tr-block" },
        el("h4", {}, "Model randomisation"),
        el("p", { class: "muted small" }, "The map after re-initialising the layers, from the logits down."),
        stripSlot,
        verdict,
        correlationSlot,
      ),
      el(
        "section",
        { class: "tr-block" },
        el("h4", {}, "Faithfulness"),
        el(
          "p",
          { class: "muted small" },
          "The class's probability as pixels are taken away (or put back) in the map's order of importance.",
        ),
        curvesSlot,
      ),
    ),
  );
  const hint = note("Check a method on this image: its map under a randomised model, and its faithfulness curves.");

  const images = el("input", {
    id: "trust-images",
    type: "number",
    min: "2",
    max: "1000",
    step: "1",
    value: String(DEFAULT_IMAGES),
    title: "How many dataset images (a seeded sample) to measure every method on",
  });
  const runTable = el("button", { id: "trust-table-run", class: "tr-run" }, "");
  const csv = el("a", { id: "trust-csv", class: "tr-export", hidden: "", download: "" }, "CSV");
  const json = el("a", { id: "trust-json", class: "tr-export", hidden: "" }, "JSON");
  const caption = el("p", { id: "trust-table-caption", class: "muted small tr-caption" });
  const tableSlot = el("div", { class: "tr-table-slot" });

  const element = el(
    "section",
    { class: "tr-panel", id: "trust-panel" },
    el("h3", { class: "tr-heading" }, "How far to trust it"),
    el(
      "div",
      { class: "tr-toolbar" },
      el("label", {}, "Method ", select),
      el("label", {}, "Randomise ", order),
      run,
      subjectLine,
    ),
    hint,
    results,
    el(
      "section",
      { class: "tr-table-block" },
      el("h4", {}, "Every method on a sample of the dataset"),
      el(
        "div",
        { class: "tr-toolbar" },
        el("label", {}, "Images ", images),
        runTable,
        el("span", { class: "tr-exports" }, csv, json),
      ),
      caption,
      tableSlot,
    ),
  );

  let choices: Choice[] = [];
  let subject: TrustSubject | null = null;
  let checked: { choice: Choice; key: string } | null = null; // what the results shown are of
  let table: TrustTable | null = null;
  let jsonUrl: string | null = null;
  let generation = 0;
  let tableRequests = 0; // a ranking started after the saved table was asked for wins
  let destroyed = false;
  const listeners: ((table: TrustTable) => void)[] = [];

  const chosen = (): Choice | undefined => choices.find((c) => c.name === select.value);
  const requestFor = (choice: Choice, s: TrustSubject): ImageCheck => ({
    image: s.image,
    method: choice.name,
    target: s.target,
    node: choice.takesNode ? s.node : null,
  });
  const keyOf = (body: ImageCheck): string => JSON.stringify(body);
  const sampleSize = (): number => Math.min(1000, Math.max(2, Math.round(Number(images.value)) || DEFAULT_IMAGES));
  const labelTableButton = (): void => {
    runTable.textContent = `Rank methods on ${sampleSize()} images`;
  };

  const describeSubject = (): void => {
    const choice = chosen();
    if (!subject || !choice) return;
    const at = choice.takesNode && subject.node ? ` at ${subject.node}` : "";
    subjectLine.textContent = `${choice.title}${at} on ${subject.what}, explaining class ${subject.targetName}`;
    // Beside the results of that very check it would only repeat their title.
    subjectLine.hidden = !results.hidden && resultTitle.textContent === subjectLine.textContent;
  };

  async function randomisation(body: ImageCheck, control: boolean, mine: number, what: string): Promise<void> {
    stripSlot.replaceChildren(note("Randomising the model layer by layer…"));
    verdict.replaceChildren();
    verdict.className = "tr-verdict";
    correlationSlot.replaceChildren();
    try {
      const how = order.value === "independent" ? "independent" : "cascading";
      const job = await jobs.run(`Randomisation check · ${what}`, () => trustApi.startRandomization(body, how));
      const result = await trustApi.randomization(job);
      const maps = await trustApi.maps(result);
      if (mine !== generation) return;
      stripSlot.replaceChildren(randomizationStrip(result, maps, subject?.picture ?? null));
      const { text, ok } = randomizationVerdict(result, control);
      verdict.textContent = text;
      verdict.className = `tr-verdict ${ok ? "tr-pass" : "tr-fail"}`;
      correlationSlot.replaceChildren(result.defined ? correlationChart(result) : note("A constant map: no curve."));
    } catch (error) {
      if (mine !== generation) return;
      if (error instanceof JobCancelled) stripSlot.replaceChildren(note("Cancelled."));
      else showError(stripSlot, error);
    }
  }

  async function faithfulness(body: ImageCheck, mine: number, what: string): Promise<void> {
    curvesSlot.replaceChildren(note("Removing pixels in the map's order…"));
    try {
      const job = await jobs.run(`Faithfulness · ${what}`, () => trustApi.startFaithfulness(body));
      const result = await trustApi.faithfulness(job);
      if (mine !== generation) return;
      curvesSlot.replaceChildren(curvesChart(result));
    } catch (error) {
      if (mine !== generation) return;
      if (error instanceof JobCancelled) curvesSlot.replaceChildren(note("Cancelled."));
      else showError(curvesSlot, error);
    }
  }

  /** Randomisation alone redoes the shown check in the other order (faithfulness does not
   * depend on it). */
  async function recheckOrder(): Promise<void> {
    if (!subject || !checked) return;
    const mine = ++generation;
    const { choice } = checked;
    const body = requestFor(choice, subject);
    run.disabled = true;
    try {
      await randomisation(body, choice.control, mine, `${choice.title} · ${subject.what}`);
    } finally {
      if (mine === generation) run.disabled = false;
    }
  }

  async function check(): Promise<void> {
    const choice = chosen();
    if (!subject || !choice) return;
    const mine = ++generation;
    const body = requestFor(choice, subject);
    checked = { choice, key: keyOf(body) };
    const what = `${choice.title} · ${subject.what}`;
    resultTitle.textContent = subjectLine.textContent;
    hint.hidden = true;
    results.hidden = false;
    describeSubject();
    run.disabled = true;
    try {
      await Promise.all([randomisation(body, choice.control, mine, what), faithfulness(body, mine, what)]);
    } finally {
      if (mine === generation) run.disabled = false;
    }
  }

  function showTable(next: TrustTable): void {
    if (destroyed) return;
    table = next;
    images.value = String(next.images);
    labelTableButton();
    tableSlot.replaceChildren(trustTable(next));
    const methods = next.rows.filter((r) => !r.control).length;
    caption.textContent =
      `${methods} methods and ${next.rows.length - methods} controls, each a mean over ${next.images} images ` +
      `(a seeded sample, each explained for its predicted class); the randomisation column uses the first ` +
      `${next.randomization_images} of them. Click a column to sort by it, best first.`;
    csv.href = relative(next.csv_url);
    csv.hidden = false;
    if (jsonUrl) URL.revokeObjectURL(jsonUrl);
    jsonUrl = URL.createObjectURL(new Blob([JSON.stringify(next, null, 2)], { type: "application/json" }));
    json.href = jsonUrl;
    json.download = `deepling-trust-${next.key.slice(0, 12)}.json`;
    json.hidden = false;
    for (const listener of listeners) listener(next);
  }

  async function rank(): Promise<void> {
    tableRequests++;
    const count = sampleSize();
    images.value = String(count);
    runTable.disabled = true;
    tableSlot.replaceChildren(note(`Measuring every method on ${count} images…`));
    try {
      const job = await jobs.run(`Method table · ${count} images`, () => trustApi.startTable(count));
      showTable(await trustApi.table(job));
    } catch (error) {
      if (error instanceof JobCancelled) tableSlot.replaceChildren(note("Cancelled."));
      else showError(tableSlot, error);
      if (table) tableSlot.append(trustTable(table)); // the previous table stays readable
    } finally {
      runTable.disabled = false;
    }
  }

  run.onclick = () => void check();
  runTable.onclick = () => void rank();
  select.onchange = describeSubject;
  order.onchange = () => void recheckOrder(); // the strip shown is of the other order
  images.oninput = labelTableButton;
  labelTableButton();

  return {
    element,
    get table() {
      return table;
    },
    setMethods(methods) {
      const first = choices.length === 0;
      choices = [
        ...methods.map((m) => ({ name: m.name, title: m.title, takesNode: m.takes_node, control: false })),
        ...CONTROLS.map((c) => ({ name: c.name, title: c.title, takesNode: false, control: true })),
      ];
      const previous = select.value;
      select.replaceChildren(
        ...choices.map((c) => el("option", { value: c.name }, c.control ? `${c.title} (control)` : c.title)),
      );
      select.value = choices.some((c) => c.name === previous) ? previous : (choices[0]?.name ?? "");
      describeSubject();
      // A table this server made already (no job is started to find out); a failure here
      // only means there is none to show.
      if (first) {
        const asked = tableRequests;
        void trustApi
          .latestTable()
          .then((found) => {
            if (found && !table && asked === tableRequests) showTable(found);
          })
          .catch(() => undefined);
      }
    },
    setSubject(next) {
      subject = next;
      describeSubject();
      if (checked && keyOf(requestFor(checked.choice, next)) !== checked.key) {
        // The results shown belong to another image, class or node: not to be read as this one's.
        generation++;
        checked = null;
        results.hidden = true;
        hint.hidden = false;
        run.disabled = false;
        describeSubject();
      }
    },
    onTable(listener) {
      listeners.push(listener);
      if (table) listener(table);
    },
    destroy() {
      generation++;
      destroyed = true;
      if (jsonUrl) URL.revokeObjectURL(jsonUrl);
    },
  };
}
