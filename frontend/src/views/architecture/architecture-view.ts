// The Architecture view: the model graph (ELK layout, collapsible module groups, pan and zoom)
// beside the details of the selected node (feature maps, channel statistics).
import "./architecture.css";
import { imageRef, sameImage } from "../../state/image-ref";
import { el, showError } from "../../ui/dom";
import type { AppContext, View } from "../view";
import { createGraphCanvas, ZOOM_STEP } from "./graph-canvas";
import { ancestorsOf, buildGroups, initialExpanded, nodeId, visibleOwner } from "./groups";
import { layoutGraph } from "./layout";
import { createNodeDetails } from "./node-details";
import { LEGEND } from "./op-style";

export function createArchitectureView(context: AppContext): View {
  const nodes = context.graph.nodes;
  const tree = buildGroups(nodes);
  const initial = initialExpanded(tree, nodes.length);
  let expanded = new Set(initial);
  const selectedName = (): string | null => context.store.get().node;
  const revealNode = (name: string | null): boolean => {
    let changed = false;
    for (const path of name ? ancestorsOf(tree, name) : []) {
      if (!expanded.has(path)) {
        expanded.add(path);
        changed = true;
      }
    }
    return changed;
  };
  revealNode(selectedName());

  const select = (name: string): void => context.store.update({ node: name });
  const canvas = createGraphCanvas({
    onNode: select,
    onToggleGroup(path) {
      if (expanded.has(path)) {
        for (const other of [...expanded]) if (other === path || other.startsWith(`${path}.`)) expanded.delete(other);
      } else {
        expanded.add(path);
      }
      void relayout(`g:${path}`);
    },
  });
  const details = createNodeDetails(context, select);

  const status = el("span", { class: "arch-status muted" });
  const zoomOut = el(
    "button",
    { id: "zoom-out", class: "zoom-button", title: "Zoom out (or wheel down)", "aria-label": "zoom out" },
    "−",
  );
  const zoomIn = el(
    "button",
    { id: "zoom-in", class: "zoom-button", title: "Zoom in (or wheel up)", "aria-label": "zoom in" },
    "+",
  );
  const fitButton = el("button", { id: "fit-graph", title: "Fit the graph to the panel at a readable size" }, "Fit");
  zoomOut.onclick = () => canvas.zoom(1 / ZOOM_STEP);
  zoomIn.onclick = () => canvas.zoom(ZOOM_STEP);
  const expandAll = el("button", { id: "expand-all", title: "Expand every group" }, "Expand all");
  const collapseAll = el("button", { id: "collapse-all", title: "Back to the top-level groups" }, "Collapse");
  fitButton.onclick = () => canvas.fit();
  expandAll.onclick = () => {
    expanded = new Set(tree.groups.keys());
    void relayout(undefined, true);
  };
  collapseAll.onclick = () => {
    expanded = new Set(initial);
    void relayout(undefined, true);
  };
  if (tree.groups.size === 0) {
    expandAll.hidden = true;
    collapseAll.hidden = true;
  }
  const legend = el(
    "div",
    { class: "arch-legend" },
    ...LEGEND.map(([label, kind]) => el("span", { class: `legend-item kind-${kind}` }, el("i", {}), label)),
  );
  const zoomGroup = el("span", { class: "zoom-group" }, zoomOut, fitButton, zoomIn);
  const toolbar = el("div", { class: "arch-toolbar" }, zoomGroup, expandAll, collapseAll, legend);
  const element = el(
    "div",
    { class: "arch-view" },
    el("div", { class: "arch-graph-panel" }, toolbar, el("div", { class: "arch-graph-wrap" }, canvas.element, status)),
    details.element,
  );

  const markSelection = (): void => {
    const name = selectedName();
    const id = name ? visibleOwner(tree, expanded, name) : null;
    canvas.select(id);
  };

  let generation = 0;
  let first = true;
  const relayout = async (anchor?: string, refit = false): Promise<void> => {
    const mine = ++generation;
    status.textContent = "laying out…";
    try {
      const layout = await layoutGraph(nodes, tree, expanded);
      if (mine !== generation) return;
      const started = performance.now();
      canvas.render(layout, anchor);
      if (refit) canvas.fit();
      markSelection();
      const name = selectedName();
      if (first && name) canvas.reveal(visibleOwner(tree, expanded, name)); // a bookmarked node
      first = false;
      // ELK's layout, then cutting it into columns and drawing it.
      const ms = Math.round(layout.milliseconds + performance.now() - started);
      console.debug(
        `architecture: ELK layout of ${layout.items.length} items, ${layout.edges.length} edges in ${Math.round(layout.milliseconds)} ms; ${ms} ms drawn`,
      );
      const groups = tree.groups.size ? ` · ${expanded.size}/${tree.groups.size} groups open` : "";
      status.textContent = `${nodes.length} ops${groups} · layout ${ms} ms`;
    } catch (error) {
      if (mine === generation) showError(status, error); // keep the canvas for the next layout
    }
  };

  const unsubscribe = context.store.subscribe((state, previous) => {
    if (state.node !== previous.node) {
      details.show(state.node);
      if (revealNode(state.node)) {
        void relayout(state.node ? nodeId(state.node) : undefined).then(
          () => state.node && canvas.reveal(nodeId(state.node)),
        );
      } else {
        markSelection();
        if (state.node) canvas.reveal(visibleOwner(tree, expanded, state.node));
      }
    }
    if (!sameImage(state, previous)) {
      // A hidden view fetches nothing: the new image's feature maps load when it is shown.
      if (element.offsetParent !== null) details.setImage(imageRef(state));
      else staleImage = true;
    }
  });
  let staleImage = false;

  details.show(selectedName());
  void relayout();

  return {
    element,
    draw() {
      canvas.shown();
      const name = selectedName();
      if (name) canvas.reveal(visibleOwner(tree, expanded, name)); // picked elsewhere meanwhile
      if (staleImage) {
        staleImage = false;
        details.setImage(imageRef(context.store.get()));
      }
    },
    destroy() {
      generation++;
      unsubscribe();
      canvas.destroy();
      details.destroy();
    },
  };
}
