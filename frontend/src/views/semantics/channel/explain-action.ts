// The architecture view's "What it means" button on an enlarged channel: opens the Channel
// panel of the Semantics section for that node and channel.
import type { ChannelAction } from "../../architecture/feature-maps";
import type { AppContext } from "../../view";

export function explainChannelAction(context: AppContext, node: string): ChannelAction {
  return {
    label: "What it means",
    title: "Feature visualisation, top dataset images and the layer atlas of this channel",
    run: (channel) => context.store.update({ section: "semantics", panel: "channel", node, channel }),
  };
}
