// The buttons on the architecture view's enlarged channel that take the channel elsewhere:
// "Ablate" adds it to the draft ablation and opens What if › Ablate channels; "What it means"
// opens Semantics › Channel. Both only change the shared state (and the server's draft set), so
// the architecture view needs nothing of the views they open.
import type { ChannelAction } from "../../ui/feature-maps";
import { showError } from "../../ui/dom";
import type { AppContext } from "../view";
import { addToDraft } from "../../api/ablation";

export function ablateChannelAction(context: AppContext, node: string): ChannelAction {
  return {
    label: "Ablate",
    title: "Switch this channel off (What if › Ablate channels) and see what the model then says",
    run(channel, button) {
      button.disabled = true;
      addToDraft(node, channel)
        .then(() => context.store.update({ section: "whatif", panel: "ablation", node, channel }))
        .catch((error: unknown) => showError(button.parentElement ?? button, error))
        .finally(() => (button.disabled = false));
    },
  };
}

export function explainChannelAction(context: AppContext, node: string): ChannelAction {
  return {
    label: "What it means",
    title: "Feature visualisation, top dataset images and the layer atlas of this channel",
    run: (channel) => context.store.update({ section: "semantics", panel: "channel", node, channel }),
  };
}
