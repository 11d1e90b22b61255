// The architecture view's "Ablate" button on an enlarged channel: adds the channel to the
// draft ablation and opens the What if › Ablate channels panel.
import type { AppContext } from "../../view";
import type { ChannelAction } from "../../architecture/feature-maps";
import { showError } from "../../../ui/dom";
import { addToDraft } from "./ablation-api";
import "./ablation.css";

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
